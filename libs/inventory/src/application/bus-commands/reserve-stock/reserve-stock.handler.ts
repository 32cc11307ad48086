import { Injectable } from '@nestjs/common';
import type { ReserveStockData } from '@eda/contracts';
import { InventoryCommandTypes } from '@eda/contracts';
import { Clock, CloudEvent, MessageHandler, OnMessage, TransactionScope } from '@eda/platform';
import { InvalidReservationError } from '../../../domain/inventory.errors';
import { StockReservationsInTransaction } from '../../../infrastructure/persistence/stock-reservations-in-transaction';

/**
 * Saga participant: reserves all lines of an order or none, answering StockReserved or
 * StockReservationRejected (keyed by the order id). Runs in the consumer's inventory unit of work (inbox
 * row + effect + answer in one transaction); a repeated command with a new message id gets the first answer.
 * A batch of commands is loaded and locked once (prepareBatch) and written once (finishBatch); each command is
 * still decided by `handle`, in order, so its answer is caused by it.
 */
@Injectable()
@OnMessage(InventoryCommandTypes.ReserveStock, { handler: 'inventory.reserve-stock', context: 'inventory', stream: 'inventory-commands' })
export class ReserveStockHandler implements MessageHandler {
  constructor(private readonly clock: Clock) {}

  async prepareBatch(messages: CloudEvent[], tx: TransactionScope): Promise<void> {
    tx.keep(StockReservationsInTransaction, await StockReservationsInTransaction.load(tx.manager, messages.map((m) => m.data)));
  }

  async handle(message: CloudEvent, tx: TransactionScope): Promise<void> {
    const { orderId, lines } = (message.data ?? {}) as Partial<ReserveStockData>;
    if (typeof orderId !== 'string' || orderId.length === 0) throw new InvalidReservationError('orderId is required.');
    const prepared = tx.find(StockReservationsInTransaction);
    const reservations = prepared ?? (await StockReservationsInTransaction.load(tx.manager, [message.data]));
    tx.collect(reservations.reserve(orderId, lines, this.clock.now()));
    if (!prepared) await reservations.save();
  }

  async finishBatch(tx: TransactionScope): Promise<void> {
    await tx.find(StockReservationsInTransaction)?.save();
  }
}
