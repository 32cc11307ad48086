import type { OrganizationCreatedData, OrganizationRenamedData } from '@eda/contracts';
import { OrganizationsEventTypes } from '@eda/contracts';
import { defineProjection, entityStore, ProjectedEvent } from '@eda/platform';
import { OrganizationNameRow, OrganizationNameSchema } from '../../../infrastructure/persistence/read-models.schema';

/** A row of orders.organization_names, as its table mapping declares it. */
export type OrganizationName = OrganizationNameRow;

/** Pure: the name after `event` (both events carry the whole name, so either one creates the row). */
export function evolveOrganizationName(row: OrganizationName | null, event: ProjectedEvent): OrganizationName | null {
  switch (event.type) {
    case OrganizationsEventTypes.OrganizationCreated:
    case OrganizationsEventTypes.OrganizationRenamed: {
      const data = event.data as OrganizationCreatedData | OrganizationRenamedData;
      return { organizationId: data.organizationId, name: data.name, lastEventId: event.id };
    }
    default:
      return row;
  }
}

/** orders.organization_names (organizationName in GET /orders), from organizations' events. */
export const OrganizationNamesProjection = defineProjection<OrganizationName>({
  name: 'orders.organization-names',
  context: 'orders',
  types: [OrganizationsEventTypes.OrganizationCreated, OrganizationsEventTypes.OrganizationRenamed],
  key: (event) => ({ organizationId: (event.data as { organizationId?: string }).organizationId }),
  evolve: evolveOrganizationName,
  store: entityStore(OrganizationNameSchema),
});
