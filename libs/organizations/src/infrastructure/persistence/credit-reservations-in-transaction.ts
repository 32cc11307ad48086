import type { EntityManager } from 'typeorm';
import { CreditRequest, CreditReservation, requireCreditRequest } from '../../domain/credit-reservation.aggregate';
import type { Organization, UserStanding } from '../../domain/organization.aggregate';
import { CreditReservationRepository } from './credit-reservation.repository';
import { OrganizationRepository } from './organization.repository';

/**
 * What ReserveCredit reads and writes in one transaction, for one command or a consumer's whole batch of them:
 * loaded at once (the orders locked, their earlier answers, every organization named locked in id order with its
 * members, the users' standing), decided in memory in message order, written once (the changed organizations
 * one UPDATE, the new reservations one INSERT).
 */
export class CreditReservationsInTransaction {
  private readonly changed = new Set<Organization>();
  private readonly placed: CreditReservation[] = [];

  private constructor(
    private readonly manager: EntityManager,
    /** The repository that loaded the organizations: it knows their members as loaded, so saving credit leaves them be. */
    private readonly organizationsOf: OrganizationRepository,
    private readonly reservations: Map<string, CreditReservation>,
    private readonly organizations: Map<string, Organization>,
    private readonly standings: Map<string, UserStanding>,
  ) {}

  /** `commands`: the `data` of each ReserveCredit; a malformed one is left to `reserve` to refuse. */
  static async load(manager: EntityManager, commands: unknown[]): Promise<CreditReservationsInTransaction> {
    const requests: CreditRequest[] = [];
    for (const command of commands) {
      try {
        requests.push(requireCreditRequest(command));
      } catch {
        // Refused by `reserve`, with the domain's error.
      }
    }
    const reservationsOf = new CreditReservationRepository(manager);
    const organizationsOf = new OrganizationRepository(manager);
    const orderIds = requests.map((r) => r.orderId);
    await reservationsOf.lockOrders(orderIds);
    const existing = await reservationsOf.findMany(orderIds);
    const organizations = await organizationsOf.findManyForUpdate(requests.map((r) => r.organizationId));
    const standings = await organizationsOf.standingsOf(requests.map((r) => r.userId));
    return new CreditReservationsInTransaction(manager, organizationsOf, new Map(existing.map((r) => [r.id, r])), organizations, standings);
  }

  /**
   * The order's reservation: its first answer again when it has one (nothing reserved twice), else the amount
   * reserved on its organization's credit or rejected, against what the earlier orders of this transaction left.
   */
  reserve(data: unknown, now: Date): CreditReservation {
    const request = requireCreditRequest(data);
    const existing = this.reservations.get(request.orderId);
    if (existing) {
      existing.answerAgain();
      return existing;
    }
    const organization = this.organizations.get(request.organizationId) ?? null;
    const reservation = CreditReservation.place(request, organization, this.standings.get(request.userId) ?? null, now);
    if (organization && reservation.isHolding) this.changed.add(organization);
    this.reservations.set(request.orderId, reservation);
    this.placed.push(reservation);
    return reservation;
  }

  /** Writes the changed organizations and the new reservations. */
  async save(): Promise<void> {
    await this.organizationsOf.saveMany(this.changed);
    await new CreditReservationRepository(this.manager).insertMany(this.placed);
    this.changed.clear();
    this.placed.length = 0;
  }
}
