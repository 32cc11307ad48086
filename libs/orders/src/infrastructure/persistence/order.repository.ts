import type { EntityManager } from 'typeorm';
import { ConcurrencyConflictError, SqlStatement } from '@eda/platform';
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

  /** Writes what an order's moves change (its status, reason and time); who, what and the total never change. */
  async save(order: Order): Promise<void> {
    const { id, version, status, rejectionReason, updatedAt } = order.snapshot();
    const result = await this.manager
      .getRepository(OrderSchema)
      .update({ id, version }, { status, rejectionReason, updatedAt, version: version + 1 });
    if (result.affected !== 1) throw new ConcurrencyConflictError('Order', id);
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
