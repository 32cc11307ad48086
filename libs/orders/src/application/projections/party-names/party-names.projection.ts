import type { EntityManager } from 'typeorm';
import type { OrganizationCreatedData, OrganizationRenamedData, UserProfileUpdatedData, UserRegisteredData } from '@eda/contracts';
import { OrganizationsEventTypes, UsersEventTypes } from '@eda/contracts';
import type { ProjectedEvent } from '../product-prices/product-prices.projection';

/** A name the order summaries show: a user's full name or an organization's name. */
export interface PartyName {
  table: 'user_names' | 'organization_names';
  id: string;
  name: string;
  lastEventId: string;
}

export const UserNamesProjection = {
  name: 'orders.user-names',
  types: [UsersEventTypes.UserRegistered, UsersEventTypes.UserProfileUpdated] as string[],
};

export const OrganizationNamesProjection = {
  name: 'orders.organization-names',
  types: [OrganizationsEventTypes.OrganizationCreated, OrganizationsEventTypes.OrganizationRenamed] as string[],
};

/** Pure: the name an event sets (every one of these events carries the whole name), or null for another event. */
export function partyNameOf(event: ProjectedEvent): PartyName | null {
  switch (event.type) {
    case UsersEventTypes.UserRegistered:
    case UsersEventTypes.UserProfileUpdated: {
      const data = event.data as UserRegisteredData | UserProfileUpdatedData;
      return { table: 'user_names', id: data.userId, name: `${data.firstName} ${data.lastName}`, lastEventId: event.id };
    }
    case OrganizationsEventTypes.OrganizationCreated:
    case OrganizationsEventTypes.OrganizationRenamed: {
      const data = event.data as OrganizationCreatedData | OrganizationRenamedData;
      return { table: 'organization_names', id: data.organizationId, name: data.name, lastEventId: event.id };
    }
    default:
      return null;
  }
}

export async function applyToPartyNames(manager: EntityManager, event: ProjectedEvent, mode: 'live' | 'rebuild'): Promise<void> {
  const next = partyNameOf(event);
  if (!next) return;
  const projection = next.table === 'user_names' ? UserNamesProjection.name : OrganizationNamesProjection.name;
  // Shared with other live deliveries, exclusive for a rebuild (which then never interleaves with them).
  if (mode === 'live') await manager.query(`SELECT pg_advisory_xact_lock_shared(hashtextextended($1, 0))`, [projection]);
  const key = next.table === 'user_names' ? 'user_id' : 'organization_id';
  await manager.query(
    `INSERT INTO ${next.table} (${key}, name, last_event_id) VALUES ($1, $2, $3)
     ON CONFLICT (${key}) DO UPDATE SET name = EXCLUDED.name, last_event_id = EXCLUDED.last_event_id`,
    [next.id, next.name, next.lastEventId],
  );
}
