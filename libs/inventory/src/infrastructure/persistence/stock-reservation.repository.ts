import { In, type EntityManager } from 'typeorm';
import { lockKeys } from '@eda/platform';
import { StockReservation } from '../../domain/stock-reservation.aggregate';
import { StockReservationSchema } from './product.schema';

/** Reservations by order id. `lockOrder` serialises every command of one order, also before its row exists. */
export class StockReservationRepository {
  constructor(private readonly manager: EntityManager) {}

  async lockOrder(orderId: string): Promise<void> {
    await this.lockOrders([orderId]);
  }

  /** Locks many orders at once (see lockKeys: one statement, an order every transaction uses). */
  async lockOrders(orderIds: string[]): Promise<void> {
    await lockKeys(this.manager, 'inventory.stock_reservations', orderIds);
  }

  async findMany(orderIds: string[]): Promise<StockReservation[]> {
    if (orderIds.length === 0) return [];
    const rows = await this.manager.getRepository(StockReservationSchema).findBy({ orderId: In(orderIds) });
    return rows.map((row) => StockReservation.restore(row));
  }

  /** New reservations in one INSERT (a batch's; `save` is for one). */
  async insertMany(reservations: StockReservation[]): Promise<void> {
    if (reservations.length === 0) return;
    await this.manager.getRepository(StockReservationSchema).insert(reservations.map((r) => ({ ...r.snapshot() })));
  }

  async find(orderId: string): Promise<StockReservation | null> {
    const row = await this.manager.getRepository(StockReservationSchema).findOneBy({ orderId });
    return row ? StockReservation.restore(row) : null;
  }

  async save(reservation: StockReservation): Promise<void> {
    await this.manager.getRepository(StockReservationSchema).save({ ...reservation.snapshot() });
  }
}
