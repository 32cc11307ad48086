import type { EntityManager } from 'typeorm';
import { StockReservation } from '../../domain/stock-reservation.aggregate';
import { StockReservationSchema } from './product.schema';

/** Reservations by order id. `lockOrder` serialises every command of one order, also before its row exists. */
export class StockReservationRepository {
  constructor(private readonly manager: EntityManager) {}

  async lockOrder(orderId: string): Promise<void> {
    await this.manager.query(`SELECT pg_advisory_xact_lock(hashtextextended('inventory.stock_reservations:' || $1, 0))`, [orderId]);
  }

  async find(orderId: string): Promise<StockReservation | null> {
    const row = await this.manager.getRepository(StockReservationSchema).findOneBy({ orderId });
    return row ? StockReservation.restore(row) : null;
  }

  async save(reservation: StockReservation): Promise<void> {
    await this.manager.getRepository(StockReservationSchema).save({ ...reservation.snapshot() });
  }
}
