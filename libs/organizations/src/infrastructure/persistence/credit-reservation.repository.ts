import { In, type EntityManager } from 'typeorm';
import { lockKeys } from '@eda/platform';
import { CreditReservation } from '../../domain/credit-reservation.aggregate';
import { CreditReservationSchema } from './organization.schema';

/** Reservations by order id. `lockOrder` serialises every command of one order, also before its row exists. */
export class CreditReservationRepository {
  constructor(private readonly manager: EntityManager) {}

  async lockOrder(orderId: string): Promise<void> {
    await this.lockOrders([orderId]);
  }

  /** Locks many orders at once (see lockKeys: one statement, an order every transaction uses). */
  async lockOrders(orderIds: string[]): Promise<void> {
    await lockKeys(this.manager, 'organizations.credit_reservations', orderIds);
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
