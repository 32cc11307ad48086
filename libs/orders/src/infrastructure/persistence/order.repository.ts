import type { EntityManager } from 'typeorm';
import type { OrderItem, OrderRejectionReason, OrderStatus } from '@eda/contracts';
import { ConcurrencyConflictError } from '@eda/platform';
import { Order, OrderState } from '../../domain/order.aggregate';
import { OrderNotFoundError } from '../../domain/order.errors';

interface OrderRow {
  id: string;
  user_id: string;
  organization_id: string;
  items: OrderItem[];
  total_cents: string;
  status: OrderStatus;
  rejection_reason: OrderRejectionReason | null;
  version: number;
  placed_at: Date;
  updated_at: Date;
}

export function toOrderState(row: OrderRow): OrderState {
  return {
    id: row.id,
    userId: row.user_id,
    organizationId: row.organization_id,
    items: row.items,
    // bigint arrives as text; totals are checked to be exact integers when the order is placed.
    totalCents: Number(row.total_cents),
    status: row.status,
    rejectionReason: row.rejection_reason,
    version: row.version,
    placedAt: row.placed_at,
    updatedAt: row.updated_at,
  };
}

/** Loads and saves orders inside the caller's transaction, with optimistic locking on `version`. */
export class OrderRepository {
  constructor(private readonly manager: EntityManager) {}

  async find(id: string): Promise<Order | null> {
    const rows: OrderRow[] = await this.manager.query(`SELECT * FROM orders WHERE id = $1`, [id]);
    return rows.length === 0 ? null : Order.restore(toOrderState(rows[0]));
  }

  async get(id: string): Promise<Order> {
    const order = await this.find(id);
    if (!order) throw new OrderNotFoundError(id);
    return order;
  }

  async add(order: Order): Promise<void> {
    const s = order.snapshot();
    await this.manager.query(
      `INSERT INTO orders (id, user_id, organization_id, items, total_cents, status, rejection_reason, version, placed_at, updated_at)
       VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7, 1, $8, $9)`,
      [s.id, s.userId, s.organizationId, JSON.stringify(s.items), s.totalCents, s.status, s.rejectionReason, s.placedAt, s.updatedAt],
    );
  }

  async save(order: Order): Promise<void> {
    const s = order.snapshot();
    const [, affected] = await this.manager.query(
      `UPDATE orders SET status = $3, rejection_reason = $4, version = version + 1, updated_at = $5 WHERE id = $1 AND version = $2`,
      [s.id, s.version, s.status, s.rejectionReason, s.updatedAt],
    );
    if (affected !== 1) throw new ConcurrencyConflictError('Order', s.id);
  }

  async pricesOf(skus: string[]): Promise<Map<string, number>> {
    const rows: Array<{ sku: string; price_cents: string }> = await this.manager.query(
      `SELECT sku, price_cents FROM product_prices WHERE sku = ANY($1::text[])`,
      [skus],
    );
    return new Map(rows.map((r) => [r.sku, Number(r.price_cents)]));
  }
}
