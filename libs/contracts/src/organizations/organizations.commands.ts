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
