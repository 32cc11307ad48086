import { Injectable } from '@nestjs/common';
import type { ReserveStockData } from '@eda/contracts';
import { InventoryCommandTypes } from '@eda/contracts';
import { Clock, CloudEvent, MessageHandler, OnMessage, TransactionScope } from '@eda/platform';
import { InvalidReservationError } from '../../domain/inventory.errors';
import { normaliseLines, StockReservation } from '../../domain/stock-reservation.aggregate';
import { ProductRepository } from '../../infrastructure/persistence/product.repository';
import { StockReservationRepository } from '../../infrastructure/persistence/stock-reservation.repository';

/**
 * Saga participant: reserves all lines of an order or none, answering StockReserved or
 * StockReservationRejected (keyed by the order id). Runs in the consumer's inventory unit of work (inbox
 * row + effect + answer in one transaction); a repeated command with a new message id gets the first answer.
 */
@Injectable()
@OnMessage(InventoryCommandTypes.ReserveStock, { handler: 'inventory.reserve-stock', context: 'inventory', stream: 'inventory-commands' })
export class ReserveStockOnReserveStockHandler implements MessageHandler {
  constructor(private readonly clock: Clock) {}

  async handle(message: CloudEvent, tx: TransactionScope): Promise<void> {
    const { orderId, lines } = (message.data ?? {}) as Partial<ReserveStockData>;
    if (typeof orderId !== 'string' || orderId.length === 0) throw new InvalidReservationError('orderId is required.');
    const reservations = new StockReservationRepository(tx.manager);
    await reservations.lockOrder(orderId);
    const existing = await reservations.find(orderId);
    if (existing) {
      existing.answerAgain();
      tx.collect(existing);
      return;
    }
    const requested = normaliseLines(lines);
    const products = new ProductRepository(tx.manager);
    const locked = await products.lockMany(requested.map((l) => l.sku));
    const reservation = StockReservation.place(orderId, requested, locked, this.clock.now());
    if (reservation.snapshot().outcome === 'RESERVED') for (const product of locked.values()) await products.save(product);
    await reservations.save(reservation);
    tx.collect(reservation);
  }
}
