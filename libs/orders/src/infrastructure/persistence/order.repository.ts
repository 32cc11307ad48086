import { In, type EntityManager } from 'typeorm';
import { SqlStatement, updateVersionedRows } from '@eda/platform';
import { Order } from '../../domain/order.aggregate';
import { OrderNotFoundError } from '../../domain/order.errors';
import { OrderSchema } from './order.schema';

/** Loads and saves orders inside the caller's transaction, with optimistic locking on `version`. */
export class OrderRepository {
  constructor(private readonly manager: EntityManager) {}

  async find(id: string): Promise<Order | null> {
    const row = await this.manager.getRepository(OrderSchema).findOneBy({ id });
    return row ? Order.restore(row) : null;
  }

  /** The orders of `ids` that exist, by id. */
  async findMany(ids: string[]): Promise<Map<string, Order>> {
    if (ids.length === 0) return new Map();
    const rows = await this.manager.getRepository(OrderSchema).findBy({ id: In(ids) });
    return new Map(rows.map((row) => [row.id, Order.restore(row)]));
  }

  async get(id: string): Promise<Order> {
    const order = await this.find(id);
    if (!order) throw new OrderNotFoundError(id);
    return order;
  }

  /** The INSERT of a new order (version 1), for a unit of work to send with its events (TransactionScope.insertWithEvents). */
  static adding(order: Order): SqlStatement {
    const o = order.snapshot();
    return {
      sql: `INSERT INTO orders (id, user_id, organization_id, items, total_cents, status, rejection_reason, version, placed_at, updated_at)
            VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7, 1, $8, $9)`,
      params: [o.id, o.userId, o.organizationId, JSON.stringify(o.items), o.totalCents, o.status, o.rejectionReason, o.placedAt, o.updatedAt],
    };
  }

  /**
   * Writes what the orders' moves changed (status, reason and time; who, what and the total never change), each
   * conditional on the version it was read at and one up, all in one statement: when one has moved it throws
   * ConcurrencyConflictError and the caller's transaction must roll back. An order is written once per
   * transaction, however many moves it made. Plain SQL (updateVersionedRows), the second exception to TypeORM here
   * (ADR 0017, addendum): its update takes one set of values per statement, and a saga batch's orders would cost
   * one round trip each.
   */
  async saveMany(orders: Order[]): Promise<void> {
    await updateVersionedRows(this.manager, {
      entity: 'Order',
      table: 'orders',
      key: { column: 'id', type: 'uuid' },
      columns: { status: 'text', rejection_reason: 'text', updated_at: 'timestamptz' },
      rows: orders.map((order) => {
        const o = order.snapshot();
        return { key: o.id, version: o.version, values: { status: o.status, rejection_reason: o.rejectionReason, updated_at: o.updatedAt } };
      }),
    });
  }

  /** The prices the context knows (its read model of inventory's products) for `skus`; unknown skus are left out. */
  async pricesOf(skus: string[]): Promise<Map<string, number>> {
    if (skus.length === 0) return new Map();
    // Plain SQL on POST /orders' path: the query builder cost more CPU than the statement itself.
    const rows: Array<{ sku: string; price_cents: string }> = await this.manager.query(
      'SELECT sku, price_cents FROM product_prices WHERE sku = ANY($1::text[])',
      [skus],
    );
    return new Map(rows.map((r) => [r.sku, Number(r.price_cents)]));
  }
}
