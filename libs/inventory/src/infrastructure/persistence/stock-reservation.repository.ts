import { In, type EntityManager } from 'typeorm';
import { StockReservation } from '../../domain/stock-reservation.aggregate';
import { StockReservationSchema } from './product.schema';

/** Reservations by order id. `lockOrder` serialises every command of one order, also before its row exists. */
export class StockReservationRepository {
  constructor(private readonly manager: EntityManager) {}

  async lockOrder(orderId: string): Promise<void> {
    await this.manager.query(`SELECT pg_advisory_xact_lock(hashtextextended('inventory.stock_reservations:' || $1, 0))`, [orderId]);
  }

  /** Locks many orders at once, in one order every transaction uses, so two batches never deadlock. */
  async lockOrders(orderIds: string[]): Promise<void> {
    await this.manager.query(
      `SELECT pg_advisory_xact_lock(h) FROM (
         SELECT DISTINCT hashtextextended('inventory.stock_reservations:' || o, 0) AS h FROM unnest($1::text[]) AS o ORDER BY 1) locks`,
      [orderIds],
    );
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
