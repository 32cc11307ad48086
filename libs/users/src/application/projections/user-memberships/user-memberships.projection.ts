import type { MemberAddedData, MemberRemovedData, OrganizationRenamedData } from '@eda/contracts';
import { OrganizationsEventTypes } from '@eda/contracts';
import { defineProjection, entityStore, ProjectedEvent } from '@eda/platform';
import { UserMembershipRow, UserMembershipSchema } from '../../../infrastructure/persistence/read-models.schema';

/** A row of users.user_memberships, as its table mapping declares it. */
export type UserMembership = UserMembershipRow;

/** Which rows an event touches: one membership, or every membership of a renamed organization. */
export type MembershipScope = { userId: string; organizationId: string } | { organizationId: string };

export function membershipScope(event: ProjectedEvent): MembershipScope {
  const data = event.data as { organizationId: string; userId?: string };
  return event.type === OrganizationsEventTypes.OrganizationRenamed ? { organizationId: data.organizationId } : { userId: data.userId!, organizationId: data.organizationId };
}

/** Pure: the row after `event` (null: no such membership). */
export function evolveUserMembership(row: UserMembership | null, event: ProjectedEvent): UserMembership | null {
  switch (event.type) {
    case OrganizationsEventTypes.MemberAdded: {
      const data = event.data as MemberAddedData;
      return { userId: data.userId, organizationId: data.organizationId, organizationName: data.organizationName, role: data.role, lastEventId: event.id };
    }
    case OrganizationsEventTypes.MemberRemoved: {
      const data = event.data as MemberRemovedData;
      return row && row.userId === data.userId && row.organizationId === data.organizationId ? null : row;
    }
    case OrganizationsEventTypes.OrganizationRenamed: {
      const data = event.data as OrganizationRenamedData;
      return row && row.organizationId === data.organizationId ? { ...row, organizationName: data.name, lastEventId: event.id } : row;
    }
    default:
      return row;
  }
}

/** The organizations each user belongs to (GET /users/:id), from organizations' events on `organizations-events`. */
export const UserMembershipsProjection = defineProjection<UserMembership>({
  name: 'users.user-memberships',
  context: 'users',
  // MemberAdded carries the organization's name, so OrganizationCreated is not needed here.
  types: [OrganizationsEventTypes.MemberAdded, OrganizationsEventTypes.MemberRemoved, OrganizationsEventTypes.OrganizationRenamed],
  key: membershipScope,
  evolve: evolveUserMembership,
  store: entityStore(UserMembershipSchema),
});
