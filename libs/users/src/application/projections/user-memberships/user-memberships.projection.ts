import type { MemberAddedData, MemberRemovedData, OrganizationRenamedData } from '@eda/contracts';
import { OrganizationsEventTypes } from '@eda/contracts';

/** A row of users.user_memberships: one organization a user belongs to. */
export interface UserMembership {
  userId: string;
  organizationId: string;
  organizationName: string;
  role: string;
  lastEventId: string;
}

export interface ProjectedEvent {
  id: string;
  type: string;
  data: unknown;
}

export const UserMembershipsProjection = {
  /** Also the handler name: the inbox keeps the applied event ids under it. */
  name: 'users.user-memberships',
  source: 'organizations',
  // MemberAdded carries the organization's name, so OrganizationCreated is not needed here.
  types: [OrganizationsEventTypes.MemberAdded, OrganizationsEventTypes.MemberRemoved, OrganizationsEventTypes.OrganizationRenamed] as string[],
};

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
