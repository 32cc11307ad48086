import { Injectable } from '@nestjs/common';
import { OrganizationsCommandTypes } from '@eda/contracts';
import { Clock, CloudEvent, MessageHandler, OnMessage, TransactionScope } from '@eda/platform';
import { requireCreditRequest } from '../../../domain/credit-reservation.aggregate';
import { CreditReservationsInTransaction } from '../../../infrastructure/persistence/credit-reservations-in-transaction';

/**
 * Saga participant: reserves an order's amount on its organization's credit (the organization row locked
 * FOR UPDATE) or rejects it, answering CreditReserved or CreditReservationRejected keyed by the order id.
 * A repeated command with a new message id gets the first answer and reserves nothing more. A batch of
 * commands is loaded and locked once (prepareBatch) and written once (finishBatch); each command is still
 * decided by `handle`, in order, so its answer is caused by it.
 */
@Injectable()
@OnMessage(OrganizationsCommandTypes.ReserveCredit, { handler: 'organizations.reserve-credit', context: 'organizations', stream: 'organizations-commands' })
export class ReserveCreditHandler implements MessageHandler {
  constructor(private readonly clock: Clock) {}

  async prepareBatch(messages: CloudEvent[], tx: TransactionScope): Promise<void> {
    tx.keep(CreditReservationsInTransaction, await CreditReservationsInTransaction.load(tx.manager, messages.map((m) => m.data)));
  }

  async handle(message: CloudEvent, tx: TransactionScope): Promise<void> {
    requireCreditRequest(message.data);
    const prepared = tx.find(CreditReservationsInTransaction);
    const reservations = prepared ?? (await CreditReservationsInTransaction.load(tx.manager, [message.data]));
    tx.collect(reservations.reserve(message.data, this.clock.now()));
    if (!prepared) await reservations.save();
  }

  async finishBatch(tx: TransactionScope): Promise<void> {
    await tx.find(CreditReservationsInTransaction)?.save();
  }
}
