import { AggregateRoot } from '@eda/platform/ddd';
import type { CreditRejectionReason, CreditReleasedData, CreditReservationRejectedData, CreditReservedData } from '@eda/contracts';
import { InvalidCreditReservationError } from './organization.errors';
import type { Organization, UserStanding } from './organization.aggregate';

export type CreditReservationOutcome = 'RESERVED' | 'REJECTED';

export interface CreditReservationState {
  orderId: string;
  organizationId: string;
  userId: string;
  amountCents: number;
  outcome: CreditReservationOutcome;
  reason: CreditRejectionReason | null;
  releasedAt: Date | null;
  createdAt: Date;
}

export interface CreditRequest {
  orderId: string;
  organizationId: string;
  userId: string;
  amountCents: number;
}

/** Refuses a command that cannot be answered (a missing id, a negative or fractional amount). */
export function requireCreditRequest(data: unknown): CreditRequest {
  const { orderId, organizationId, userId, amountCents } = (data ?? {}) as Partial<CreditRequest>;
  for (const [field, value] of Object.entries({ orderId, organizationId, userId })) {
    if (typeof value !== 'string' || value.length === 0) throw new InvalidCreditReservationError(`${field} is required.`);
  }
  if (!Number.isSafeInteger(amountCents) || (amountCents as number) < 0) {
    throw new InvalidCreditReservationError('amountCents must be a non-negative integer (minor units).');
  }
  return { orderId: orderId!, organizationId: organizationId!, userId: userId!, amountCents: amountCents! };
}

/**
 * The credit held for one order (id: the order id). Kept after the answer, so a repeated ReserveCredit is
 * answered the same way and never reserves twice, and a repeated ReleaseCredit gives nothing back twice.
 */
export class CreditReservation extends AggregateRoot {
  private constructor(private state: CreditReservationState) {
    super();
  }

  /**
   * Reserves on the organization (locked by the caller), or rejects: CUSTOMER_NOT_ELIGIBLE when the
   * organization is unknown or the user is not an active member, CREDIT_LIMIT_EXCEEDED when the credit is short.
   */
  static place(request: CreditRequest, organization: Organization | null, standing: UserStanding | null, now: Date): CreditReservation {
    let reason: CreditRejectionReason | null = null;
    if (!organization || !organization.isEligible(request.userId, standing)) reason = 'CUSTOMER_NOT_ELIGIBLE';
    else if (request.amountCents > organization.creditAvailableCents) reason = 'CREDIT_LIMIT_EXCEEDED';
    else organization.reserveCredit(request.amountCents, now);
    const reservation = new CreditReservation({
      ...request,
      outcome: reason === null ? 'RESERVED' : 'REJECTED',
      reason,
      releasedAt: null,
      createdAt: now,
    });
    reservation.recordAnswer();
    return reservation;
  }

  static restore(state: CreditReservationState): CreditReservation {
    return new CreditReservation({ ...state });
  }

  get id(): string {
    return this.state.orderId;
  }

  get isHolding(): boolean {
    return this.state.outcome === 'RESERVED' && this.state.releasedAt === null;
  }

  snapshot(): Readonly<CreditReservationState> {
    return { ...this.state };
  }

  answerAgain(): void {
    this.recordAnswer();
  }

  /** Gives the held credit back to the organization (locked by the caller); a second release gives back 0. */
  release(organization: Organization | null, now: Date): void {
    const amountCents = this.isHolding ? this.state.amountCents : 0;
    if (this.isHolding) {
      organization?.releaseCredit(amountCents, now);
      this.state = { ...this.state, releasedAt: now };
    }
    this.record<CreditReleasedData>('CreditReleased', { orderId: this.id, organizationId: this.state.organizationId, amountCents });
  }

  /** Answers a release for an order nothing was ever reserved for. */
  static releaseNothing(orderId: string, organizationId: string): CreditReleasedData {
    return { orderId, organizationId, amountCents: 0 };
  }

  private recordAnswer(): void {
    const { orderId, organizationId, userId, amountCents, outcome, reason } = this.state;
    if (outcome === 'RESERVED') this.record<CreditReservedData>('CreditReserved', { orderId, organizationId, userId, amountCents });
    else this.record<CreditReservationRejectedData>('CreditReservationRejected', { orderId, organizationId, userId, amountCents, reason: reason! });
  }
}
