import { Injectable } from '@nestjs/common';
import { OrganizationsCommandTypes } from '@eda/contracts';
import { Clock, CloudEvent, OnMessage, SetBasedHandler, TransactionScope } from '@eda/platform';
import { CreditReservationsInTransaction } from '../../../infrastructure/persistence/credit-reservations-in-transaction';

/**
 * Saga participant: reserves an order's amount on its organization's credit (the organization row locked
 * FOR UPDATE) or rejects it, answering CreditReserved or CreditReservationRejected keyed by the order id.
 * A repeated command with a new message id gets the first answer and reserves nothing more. A batch of
 * commands is loaded and locked once and written once (SetBasedHandler); each is decided in order.
 */
@Injectable()
@OnMessage(OrganizationsCommandTypes.ReserveCredit, { handler: 'organizations.reserve-credit', context: 'organizations', stream: 'organizations-commands' })
export class ReserveCreditHandler extends SetBasedHandler<CreditReservationsInTransaction> {
  constructor(private readonly clock: Clock) {
    super();
  }

  protected load(messages: CloudEvent[], tx: TransactionScope): Promise<CreditReservationsInTransaction> {
    return CreditReservationsInTransaction.load(tx.manager, messages.map((m) => m.data));
  }

  protected decide(message: CloudEvent, reservations: CreditReservationsInTransaction, tx: TransactionScope): void {
    tx.collect(reservations.reserve(message.data, this.clock.now()));
  }
}
