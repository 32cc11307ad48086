/**
 * Wire types of the organizations context's events (CloudEvents `type` and `data`). Organization events
 * are keyed by the organization id; credit reservation replies by the order id (the saga id), so a saga's
 * replies stay in order on one shard.
 */
export const OrganizationsEventTypes = {
  OrganizationCreated: 'organizations.OrganizationCreated',
  OrganizationRenamed: 'organizations.OrganizationRenamed',
  CreditLimitChanged: 'organizations.CreditLimitChanged',
  MemberAdded: 'organizations.MemberAdded',
  MemberRemoved: 'organizations.MemberRemoved',
  CreditReserved: 'organizations.CreditReserved',
  CreditReservationRejected: 'organizations.CreditReservationRejected',
  CreditReleased: 'organizations.CreditReleased',
} as const;

export type OrganizationRole = 'admin' | 'member';

export interface OrganizationCreatedData {
  organizationId: string;
  name: string;
  creditLimitCents: number;
}

export interface OrganizationRenamedData {
  organizationId: string;
  name: string;
}

export interface CreditLimitChangedData {
  organizationId: string;
  creditLimitCents: number;
}

/** Carries the organization's name so that read models of memberships need no other event. */
export interface MemberAddedData {
  organizationId: string;
  organizationName: string;
  userId: string;
  role: OrganizationRole;
}

export interface MemberRemovedData {
  organizationId: string;
  userId: string;
}

export type CreditRejectionReason = 'CREDIT_LIMIT_EXCEEDED' | 'CUSTOMER_NOT_ELIGIBLE';

export interface CreditReservedData {
  orderId: string;
  organizationId: string;
  userId: string;
  amountCents: number;
}

export interface CreditReservationRejectedData {
  orderId: string;
  organizationId: string;
  userId: string;
  amountCents: number;
  reason: CreditRejectionReason;
}

/** `amountCents` is what this release gave back: 0 when nothing was reserved for the order (a no-op). */
export interface CreditReleasedData {
  orderId: string;
  organizationId: string;
  amountCents: number;
}
