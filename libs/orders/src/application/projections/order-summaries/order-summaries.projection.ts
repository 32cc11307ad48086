import type { EntityManager } from 'typeorm';
import type { OrderPlacedData, OrderStatus } from '@eda/contracts';
import { OrdersEventTypes } from '@eda/contracts';
import type { ProjectedEvent } from '../product-prices/product-prices.projection';

export interface OrderSummary {
  orderId: string;
  userId: string;
  organizationId: string;
  totalCents: number;
  status: OrderStatus;
  placedAt: string;
  lastEventId: string;
}

export const OrderSummariesProjection = {
  name: 'orders.order-summaries',
  types: Object.values(OrdersEventTypes) as string[],
};

const STATUS_AFTER: Record<string, OrderStatus> = {
  [OrdersEventTypes.OrderApproved]: 'APPROVED',
  [OrdersEventTypes.OrderRejected]: 'REJECTED',
  [OrdersEventTypes.OrderCancellationRequested]: 'CANCELLING',
  [OrdersEventTypes.OrderCancelled]: 'CANCELLED',
};

/** Pure: the summary after `event` (an order's events arrive in order: they share its partition key). */
export function evolveOrderSummary(row: OrderSummary | null, event: ProjectedEvent): OrderSummary | null {
  if (event.type === OrdersEventTypes.OrderPlaced) {
    const data = event.data as OrderPlacedData;
    return row ?? {
      orderId: data.orderId,
      userId: data.userId,
      organizationId: data.organizationId,
      totalCents: data.totalCents,
      status: 'PENDING',
      placedAt: data.placedAt,
      lastEventId: event.id,
    };
  }
  const status = STATUS_AFTER[event.type];
  return row && status ? { ...row, status, lastEventId: event.id } : row;
}

export async function applyToOrderSummaries(manager: EntityManager, event: ProjectedEvent, mode: 'live' | 'rebuild'): Promise<void> {
  // Shared with other live deliveries, exclusive for a rebuild (which then never interleaves with them).
  if (mode === 'live') await manager.query(`SELECT pg_advisory_xact_lock_shared(hashtextextended($1, 0))`, [OrderSummariesProjection.name]);
  const orderId = (event.data as { orderId?: string })?.orderId;
  if (typeof orderId !== 'string') return;
  const rows: Array<{ order_id: string; user_id: string; organization_id: string; total_cents: string; status: OrderStatus; placed_at: Date; last_event_id: string }> =
    await manager.query(`SELECT * FROM order_summaries WHERE order_id = $1 FOR UPDATE`, [orderId]);
  const current: OrderSummary | null = rows[0]
    ? {
        orderId: rows[0].order_id,
        userId: rows[0].user_id,
        organizationId: rows[0].organization_id,
        totalCents: Number(rows[0].total_cents),
        status: rows[0].status,
        placedAt: rows[0].placed_at.toISOString(),
        lastEventId: rows[0].last_event_id,
      }
    : null;
  const next = evolveOrderSummary(current, event);
  if (!next || next === current) return;
  await manager.query(
    `INSERT INTO order_summaries (order_id, user_id, organization_id, total_cents, status, placed_at, last_event_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (order_id) DO UPDATE SET status = EXCLUDED.status, last_event_id = EXCLUDED.last_event_id`,
    [next.orderId, next.userId, next.organizationId, next.totalCents, next.status, next.placedAt, next.lastEventId],
  );
}
