import type { EntityManager } from 'typeorm';
import { CreditReservation } from '../../domain/credit-reservation.aggregate';
import { CreditReservationSchema } from './organization.schema';

/** Reservations by order id. `lockOrder` serialises every command of one order, also before its row exists. */
export class CreditReservationRepository {
  constructor(private readonly manager: EntityManager) {}

  async lockOrder(orderId: string): Promise<void> {
    await this.manager.query(`SELECT pg_advisory_xact_lock(hashtextextended('organizations.credit_reservations:' || $1, 0))`, [orderId]);
  }

  async find(orderId: string): Promise<CreditReservation | null> {
    const row = await this.manager.getRepository(CreditReservationSchema).findOneBy({ orderId });
    return row ? CreditReservation.restore(row) : null;
  }

  async save(reservation: CreditReservation): Promise<void> {
    await this.manager.getRepository(CreditReservationSchema).save({ ...reservation.snapshot() });
  }
}
