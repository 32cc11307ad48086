import { MessageContracts, nonNegativeInteger, objectSchema, uuid } from '../json-schema';

/**
 * Saga commands the organizations context handles, on the `organizations-commands` stream, partition key:
 * the order id. Each is answered by an event on `organizations-events` keyed by the same order id.
 */
export const OrganizationsCommandTypes = {
  /** Answered by CreditReserved or CreditReservationRejected; a repeat gets the same answer. */
  ReserveCredit: 'organizations.ReserveCredit',
  /** Answered by CreditReleased; idempotent, releasing what was never reserved is a no-op. */
  ReleaseCredit: 'organizations.ReleaseCredit',
} as const;

export interface ReserveCreditData {
  orderId: string;
  organizationId: string;
  userId: string;
  amountCents: number;
}

export interface ReleaseCreditData {
  orderId: string;
  organizationId: string;
}

/** The data of each organizations command, by the name in OrganizationsCommandTypes. */
export interface OrganizationsCommandData {
  ReserveCredit: ReserveCreditData;
  ReleaseCredit: ReleaseCreditData;
}

/** Schemas of the commands on `organizations-commands`, sent by the order saga, keyed by the order id. */
export const OrganizationsCommandMessages: MessageContracts<typeof OrganizationsCommandTypes, OrganizationsCommandData> = {
  ReserveCredit: {
    summary: 'Reserve the order’s total against the organization’s credit, if the user is an active member.',
    partitionKey: 'orderId',
    data: objectSchema<ReserveCreditData>({
      orderId: uuid('The order (and its saga)'),
      organizationId: uuid('The organization to reserve credit of'),
      userId: uuid('The user who placed the order'),
      amountCents: nonNegativeInteger('The order’s total, in minor units'),
    }),
  },
  ReleaseCredit: {
    summary: 'Give back the credit reserved for the order (a compensation); a no-op when none was.',
    partitionKey: 'orderId',
    data: objectSchema<ReleaseCreditData>({ orderId: uuid('The order (and its saga)'), organizationId: uuid('The organization the credit was asked of') }),
  },
};
