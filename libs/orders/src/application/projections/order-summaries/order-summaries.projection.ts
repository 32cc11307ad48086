import type { OrderPlacedData, OrderStatus } from '@eda/contracts';
import { OrdersEventTypes } from '@eda/contracts';
import { defineProjection, entityStore, ProjectedEvent } from '@eda/platform';
import { OrderSummaryRow, OrderSummarySchema } from '../../../infrastructure/persistence/read-models.schema';

/** A row of orders.order_summaries, as its table mapping declares it. */
export type OrderSummary = OrderSummaryRow;

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

/** orders.order_summaries (GET /orders), from orders' own events on `orders-events`. */
export const OrderSummariesProjection = defineProjection<OrderSummary>({
  name: 'orders.order-summaries',
  context: 'orders',
  types: Object.values(OrdersEventTypes),
  key: (event) => ({ orderId: (event.data as { orderId?: string } | null)?.orderId }),
  evolve: evolveOrderSummary,
  store: entityStore(OrderSummarySchema),
});
