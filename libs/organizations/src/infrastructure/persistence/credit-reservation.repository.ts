import { In, type EntityManager } from 'typeorm';
import { CreditReservation } from '../../domain/credit-reservation.aggregate';
import { CreditReservationSchema } from './organization.schema';

/** Reservations by order id. `lockOrder` serialises every command of one order, also before its row exists. */
export class CreditReservationRepository {
  constructor(private readonly manager: EntityManager) {}

  async lockOrder(orderId: string): Promise<void> {
    await this.manager.query(`SELECT pg_advisory_xact_lock(hashtextextended('organizations.credit_reservations:' || $1, 0))`, [orderId]);
  }

  /** Locks many orders at once, in one order every transaction uses, so two batches never deadlock. */
  async lockOrders(orderIds: string[]): Promise<void> {
    await this.manager.query(
      `SELECT pg_advisory_xact_lock(h) FROM (
         SELECT DISTINCT hashtextextended('organizations.credit_reservations:' || o, 0) AS h FROM unnest($1::text[]) AS o ORDER BY 1) locks`,
      [orderIds],
    );
  }

  async findMany(orderIds: string[]): Promise<CreditReservation[]> {
    if (orderIds.length === 0) return [];
    const rows = await this.manager.getRepository(CreditReservationSchema).findBy({ orderId: In(orderIds) });
    return rows.map((row) => CreditReservation.restore(row));
  }

  /** New reservations in one INSERT (a batch's; `save` is for one). */
  async insertMany(reservations: CreditReservation[]): Promise<void> {
    if (reservations.length === 0) return;
    await this.manager.getRepository(CreditReservationSchema).insert(reservations.map((r) => ({ ...r.snapshot() })));
  }

  async find(orderId: string): Promise<CreditReservation | null> {
    const row = await this.manager.getRepository(CreditReservationSchema).findOneBy({ orderId });
    return row ? CreditReservation.restore(row) : null;
  }

  async save(reservation: CreditReservation): Promise<void> {
    await this.manager.getRepository(CreditReservationSchema).save({ ...reservation.snapshot() });
  }
}
