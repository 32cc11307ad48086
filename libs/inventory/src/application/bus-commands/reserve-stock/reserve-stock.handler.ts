import { Injectable } from '@nestjs/common';
import { InventoryCommandTypes } from '@eda/contracts';
import { Clock, CloudEvent, OnMessage, SetBasedHandler, TransactionScope } from '@eda/platform';
import { StockReservationsInTransaction } from '../../../infrastructure/persistence/stock-reservations-in-transaction';

/**
 * Saga participant: reserves all lines of an order or none, answering StockReserved or
 * StockReservationRejected (keyed by the order id). Runs in the consumer's inventory unit of work (inbox
 * row + effect + answer in one transaction); a repeated command with a new message id gets the first answer.
 * A batch of commands is loaded and locked once and written once (SetBasedHandler); each is decided in order.
 */
@Injectable()
@OnMessage(InventoryCommandTypes.ReserveStock, { handler: 'inventory.reserve-stock', context: 'inventory', stream: 'inventory-commands' })
export class ReserveStockHandler extends SetBasedHandler<StockReservationsInTransaction> {
  constructor(private readonly clock: Clock) {
    super();
  }

  protected load(messages: CloudEvent[], tx: TransactionScope): Promise<StockReservationsInTransaction> {
    return StockReservationsInTransaction.load(tx.manager, messages.map((m) => m.data));
  }

  protected decide(message: CloudEvent, reservations: StockReservationsInTransaction, tx: TransactionScope): void {
    tx.collect(reservations.reserve(message.data, this.clock.now()));
  }
}
