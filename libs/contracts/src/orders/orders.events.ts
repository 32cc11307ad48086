import { literals, MessageContracts, nonNegativeInteger, nullable, objectSchema, positiveInteger, sku, stringEnum, uuid } from '../json-schema';

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

/** The data of each orders event, by the name in OrdersEventTypes. */
export interface OrdersEventData {
  OrderPlaced: OrderPlacedData;
  OrderApproved: OrderApprovedData;
  OrderRejected: OrderRejectedData;
  OrderCancellationRequested: OrderCancellationRequestedData;
  OrderCancelled: OrderCancelledData;
}

export const ORDER_REJECTION_REASONS = literals<OrderRejectionReason>()(['CUSTOMER_NOT_ELIGIBLE', 'UNKNOWN_PRODUCT', 'OUT_OF_STOCK', 'CREDIT_LIMIT_EXCEEDED', 'TIMEOUT']);

const orderId = uuid('The order’s id (also its saga’s)');
const totalCents = nonNegativeInteger('Sum of the priced lines, in minor units');

/** Schemas of the orders events, on `orders-events` keyed by the order id (docs/contract.md §4). */
export const OrdersEventMessages: MessageContracts<typeof OrdersEventTypes, OrdersEventData> = {
  OrderPlaced: {
    summary: 'An order was placed (POST /orders), priced from the orders context’s catalog; its saga starts.',
    partitionKey: 'orderId',
    data: objectSchema<OrderPlacedData>({
      orderId,
      userId: uuid('Who placed it'),
      organizationId: uuid('Whose credit it is placed on'),
      items: {
        type: 'array',
        minItems: 1,
        maxItems: 100,
        description: 'Each sku once',
        items: objectSchema<OrderItem>({
          sku: sku(),
          quantity: positiveInteger('Units', 1_000_000),
          unitPriceCents: nullable<number>(nonNegativeInteger('Unit price, in minor units'), 'Null when the sku had no known price'),
        }),
      },
      totalCents,
      placedAt: { type: 'string', format: 'date-time', description: 'When the order was placed (RFC 3339, UTC)' },
    }),
  },
  OrderApproved: {
    summary: 'Stock and credit are reserved: the order is approved.',
    partitionKey: 'orderId',
    data: objectSchema<OrderApprovedData>({ orderId, totalCents }),
  },
  OrderRejected: {
    summary: 'The order was rejected; its saga goes on to release whatever was reserved.',
    partitionKey: 'orderId',
    data: objectSchema<OrderRejectedData>({ orderId, reason: stringEnum(ORDER_REJECTION_REASONS, 'Why') }),
  },
  OrderCancellationRequested: {
    summary: 'A cancellation was asked for (POST /orders/:id/cancel); the saga releases what was reserved.',
    partitionKey: 'orderId',
    data: objectSchema<OrderCancellationRequestedData>({ orderId }),
  },
  OrderCancelled: {
    summary: 'The order is cancelled: what it had reserved is released.',
    partitionKey: 'orderId',
    data: objectSchema<OrderCancelledData>({ orderId }),
  },
};
