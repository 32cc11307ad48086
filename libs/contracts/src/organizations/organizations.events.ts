import { literals, MessageContracts, nonNegativeInteger, objectSchema, stringEnum, text, uuid } from '../json-schema';

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

/** The data of each organizations event, by the name in OrganizationsEventTypes. */
export interface OrganizationsEventData {
  OrganizationCreated: OrganizationCreatedData;
  OrganizationRenamed: OrganizationRenamedData;
  CreditLimitChanged: CreditLimitChangedData;
  MemberAdded: MemberAddedData;
  MemberRemoved: MemberRemovedData;
  CreditReserved: CreditReservedData;
  CreditReservationRejected: CreditReservationRejectedData;
  CreditReleased: CreditReleasedData;
}

const organizationId = uuid('The organization’s id');
const userId = uuid('The user’s id');
const orderId = uuid('The order (and its saga) this reply answers');
const organizationName = (description: string) => text(`${description} (1-200 characters, trimmed)`, { minLength: 1, maxLength: 200 });
const creditLimitCents = nonNegativeInteger('The credit limit, in minor units');
const amountCents = nonNegativeInteger('The amount asked for, in minor units: the order’s total');

export const ORGANIZATION_ROLE_VALUES = literals<OrganizationRole>()(['admin', 'member']);
export const CREDIT_REJECTION_REASONS = literals<CreditRejectionReason>()(['CREDIT_LIMIT_EXCEEDED', 'CUSTOMER_NOT_ELIGIBLE']);

/**
 * Schemas of the organizations events, on `organizations-events`: an organization's events keyed by its id,
 * the replies to saga commands by the order id (docs/contract.md §4).
 */
export const OrganizationsEventMessages: MessageContracts<typeof OrganizationsEventTypes, OrganizationsEventData> = {
  OrganizationCreated: {
    summary: 'An organization was created (POST /organizations).',
    partitionKey: 'organizationId',
    data: objectSchema<OrganizationCreatedData>({ organizationId, name: organizationName('The name'), creditLimitCents }),
  },
  OrganizationRenamed: {
    summary: 'An organization’s name changed (PATCH /organizations/:id).',
    partitionKey: 'organizationId',
    data: objectSchema<OrganizationRenamedData>({ organizationId, name: organizationName('The new name') }),
  },
  CreditLimitChanged: {
    summary: 'An organization’s credit limit changed (PATCH /organizations/:id); never below the credit reserved.',
    partitionKey: 'organizationId',
    data: objectSchema<CreditLimitChangedData>({ organizationId, creditLimitCents }),
  },
  MemberAdded: {
    summary: 'A user became a member of an organization (POST /organizations/:id/members).',
    partitionKey: 'organizationId',
    data: objectSchema<MemberAddedData>({
      organizationId,
      organizationName: organizationName('The organization’s name at that moment'),
      userId,
      role: stringEnum(ORGANIZATION_ROLE_VALUES, 'The member’s role'),
    }),
  },
  MemberRemoved: {
    summary: 'A user stopped being a member of an organization (DELETE /organizations/:id/members/:userId).',
    partitionKey: 'organizationId',
    data: objectSchema<MemberRemovedData>({ organizationId, userId }),
  },
  CreditReserved: {
    summary: 'Answer to organizations.ReserveCredit: the amount is reserved against the organization’s limit.',
    partitionKey: 'orderId',
    data: objectSchema<CreditReservedData>({ orderId, organizationId, userId, amountCents }),
  },
  CreditReservationRejected: {
    summary: 'Answer to organizations.ReserveCredit: nothing reserved, and why.',
    partitionKey: 'orderId',
    data: objectSchema<CreditReservationRejectedData>({
      orderId,
      organizationId,
      userId,
      amountCents,
      reason: stringEnum(CREDIT_REJECTION_REASONS, 'CUSTOMER_NOT_ELIGIBLE: the user is not an active member of the organization'),
    }),
  },
  CreditReleased: {
    summary: 'Answer to organizations.ReleaseCredit: what the order had reserved is available again.',
    partitionKey: 'orderId',
    data: objectSchema<CreditReleasedData>({
      orderId,
      // A release of an order never reserved echoes the command's organization id, whatever it holds.
      organizationId: text('The organization the command named'),
      amountCents: nonNegativeInteger('What this release gave back, in minor units: 0 when nothing was reserved'),
    }),
  },
};
