import { Injectable } from '@nestjs/common';
import type { ReleaseStockData } from '@eda/contracts';
import { InventoryCommandTypes } from '@eda/contracts';
import { Clock, CloudEvent, domainEvent, MessageHandler, OnMessage, TransactionScope } from '@eda/platform';
import { InvalidReservationError } from '../../../domain/product.errors';
import { StockReservation } from '../../../domain/stock-reservation.aggregate';
import { ProductRepository } from '../../../infrastructure/persistence/product.repository';
import { StockReservationRepository } from '../../../infrastructure/persistence/stock-reservation.repository';

/**
 * Saga compensation: gives an order's reserved stock back, once. Always answers StockReleased (keyed by the
 * order id) so a cancelling saga can move on; its lines are empty when there was nothing to give back.
 */
@Injectable()
@OnMessage(InventoryCommandTypes.ReleaseStock, { handler: 'inventory.release-stock', context: 'inventory', stream: 'inventory-commands' })
export class ReleaseStockHandler implements MessageHandler {
  constructor(private readonly clock: Clock) {}

  async handle(message: CloudEvent, tx: TransactionScope): Promise<void> {
    const { orderId } = (message.data ?? {}) as Partial<ReleaseStockData>;
    if (typeof orderId !== 'string' || orderId.length === 0) throw new InvalidReservationError('orderId is required.');
    const reservations = new StockReservationRepository(tx.manager);
    await reservations.lockOrder(orderId);
    const reservation = await reservations.find(orderId);
    if (!reservation) {
      tx.publish(domainEvent('inventory', 'StockReleased', orderId, StockReservation.releaseNothing(orderId)));
      return;
    }
    const holding = reservation.isHolding;
    const products = new ProductRepository(tx.manager);
    const locked = holding ? await products.lockMany(reservation.snapshot().lines.map((l) => l.sku)) : new Map();
    reservation.release(locked, this.clock.now());
    if (holding) {
      await products.saveMany(locked.values());
      await reservations.save(reservation);
    }
    tx.collect(reservation);
  }
}
