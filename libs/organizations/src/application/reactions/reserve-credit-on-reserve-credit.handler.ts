import { Injectable } from '@nestjs/common';
import { OrganizationsCommandTypes } from '@eda/contracts';
import { Clock, CloudEvent, MessageHandler, OnMessage, TransactionScope } from '@eda/platform';
import { CreditReservation, requireCreditRequest } from '../../domain/credit-reservation.aggregate';
import { CreditReservationRepository } from '../../infrastructure/persistence/credit-reservation.repository';
import { OrganizationRepository } from '../../infrastructure/persistence/organization.repository';

/**
 * Saga participant: reserves an order's amount on its organization's credit (the organization row locked
 * FOR UPDATE) or rejects it, answering CreditReserved or CreditReservationRejected keyed by the order id.
 * A repeated command with a new message id gets the first answer and reserves nothing more.
 */
@Injectable()
@OnMessage(OrganizationsCommandTypes.ReserveCredit, { handler: 'organizations.reserve-credit', context: 'organizations', stream: 'organizations-commands' })
export class ReserveCreditOnReserveCreditHandler implements MessageHandler {
  constructor(private readonly clock: Clock) {}

  async handle(message: CloudEvent, tx: TransactionScope): Promise<void> {
    const request = requireCreditRequest(message.data);
    const reservations = new CreditReservationRepository(tx.manager);
    await reservations.lockOrder(request.orderId);
    const existing = await reservations.find(request.orderId);
    if (existing) {
      existing.answerAgain();
      tx.collect(existing);
      return;
    }
    const organizations = new OrganizationRepository(tx.manager);
    const organization = await organizations.findForUpdate(request.organizationId);
    const reservation = CreditReservation.place(request, organization, await organizations.standingOf(request.userId), this.clock.now());
    if (organization && reservation.isHolding) await organizations.save(organization);
    await reservations.save(reservation);
    tx.collect(reservation);
  }
}
