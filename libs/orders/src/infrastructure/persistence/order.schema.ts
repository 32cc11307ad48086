import { EntitySchema } from 'typeorm';
import { bigintAsNumber } from '@eda/platform';
import type { OrderState } from '../../domain/order.aggregate';

/** An orders row holds exactly the aggregate's state; its lines are the `items` jsonb column, not a table. */
export type OrderRow = OrderState;

export const OrderSchema = new EntitySchema<OrderRow>({
  name: 'Order',
  tableName: 'orders',
  columns: {
    id: { type: 'uuid', primary: true },
    userId: { type: 'uuid', name: 'user_id' },
    organizationId: { type: 'uuid', name: 'organization_id' },
    items: { type: 'jsonb' },
    // Totals are checked to be exact integers when the order is placed.
    totalCents: { type: 'bigint', name: 'total_cents', transformer: bigintAsNumber },
    status: { type: 'text' },
    rejectionReason: { type: 'text', name: 'rejection_reason', nullable: true },
    version: { type: 'integer' },
    placedAt: { type: 'timestamptz', name: 'placed_at' },
    updatedAt: { type: 'timestamptz', name: 'updated_at' },
  },
});

/** Idempotency-Key of POST /orders: the order the first request with the key placed, and what that request was. */
export interface IdempotencyKeyRow {
  key: string;
  requestHash: string;
  orderId: string;
  createdAt: Date;
}

export const IdempotencyKeySchema = new EntitySchema<IdempotencyKeyRow>({
  name: 'IdempotencyKey',
  tableName: 'idempotency_keys',
  columns: {
    key: { type: 'text', primary: true },
    requestHash: { type: 'text', name: 'request_hash' },
    orderId: { type: 'uuid', name: 'order_id' },
    createdAt: { type: 'timestamptz', name: 'created_at' },
  },
});
