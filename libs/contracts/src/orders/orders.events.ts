/**
 * Wire types of the orders context's events (CloudEvents `type` and `data`), keyed by the order id (which
 * is also the id of the order's saga), on `orders-events`.
 */
export const OrdersEventTypes = {
  OrderPlaced: 'orders.OrderPlaced',
  OrderApproved: 'orders.OrderApproved',
  OrderRejected: 'orders.OrderRejected',
  OrderCancellationRequested: 'orders.OrderCancellationRequested',
  OrderCancelled: 'orders.OrderCancelled',
} as const;

export type OrderStatus = 'PENDING' | 'APPROVED' | 'REJECTED' | 'CANCELLING' | 'CANCELLED';

export type OrderRejectionReason = 'CUSTOMER_NOT_ELIGIBLE' | 'UNKNOWN_PRODUCT' | 'OUT_OF_STOCK' | 'CREDIT_LIMIT_EXCEEDED' | 'TIMEOUT';

/** `unitPriceCents` is null for a sku the orders context knew no price of when the order was placed. */
export interface OrderItem {
  sku: string;
  quantity: number;
  unitPriceCents: number | null;
}

export interface OrderPlacedData {
  orderId: string;
  userId: string;
  organizationId: string;
  items: OrderItem[];
  totalCents: number;
  placedAt: string;
}

export interface OrderApprovedData {
  orderId: string;
  totalCents: number;
}

export interface OrderRejectedData {
  orderId: string;
  reason: OrderRejectionReason;
}

export interface OrderCancellationRequestedData {
  orderId: string;
}

export interface OrderCancelledData {
  orderId: string;
}
