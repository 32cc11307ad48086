import { EntitySchema, ValueTransformer } from 'typeorm';
import { bigintAsNumber } from '@eda/platform';
import type { OrderStatus } from '@eda/contracts';

/** The orders context's read models (its projections write them; queries read them with SQL). */

export interface ProductPriceRow {
  sku: string;
  priceCents: number;
  lastEventId: string;
}

export const ProductPriceSchema = new EntitySchema<ProductPriceRow>({
  name: 'ProductPrice',
  tableName: 'product_prices',
  columns: {
    sku: { type: 'text', primary: true },
    priceCents: { type: 'bigint', name: 'price_cents', transformer: bigintAsNumber },
    lastEventId: { type: 'text', name: 'last_event_id' },
  },
});

/** A user's full name, as the order summaries show it. */
export interface UserNameRow {
  userId: string;
  name: string;
  lastEventId: string;
}

export const UserNameSchema = new EntitySchema<UserNameRow>({
  name: 'UserName',
  tableName: 'user_names',
  columns: {
    userId: { type: 'uuid', primary: true, name: 'user_id' },
    name: { type: 'text' },
    lastEventId: { type: 'text', name: 'last_event_id' },
  },
});

/** An organization's name, as the order summaries show it. */
export interface OrganizationNameRow {
  organizationId: string;
  name: string;
  lastEventId: string;
}

export const OrganizationNameSchema = new EntitySchema<OrganizationNameRow>({
  name: 'OrganizationName',
  tableName: 'organization_names',
  columns: {
    organizationId: { type: 'uuid', primary: true, name: 'organization_id' },
    name: { type: 'text' },
    lastEventId: { type: 'text', name: 'last_event_id' },
  },
});

/** The summary keeps the time OrderPlaced carried, as the ISO string it was. */
const isoTimestamp: ValueTransformer = {
  to: (value: string | undefined) => value,
  from: (value: Date | null) => (value === null ? null : value.toISOString()),
};

export interface OrderSummaryRow {
  orderId: string;
  userId: string;
  organizationId: string;
  totalCents: number;
  status: OrderStatus;
  placedAt: string;
  lastEventId: string;
}

export const OrderSummarySchema = new EntitySchema<OrderSummaryRow>({
  name: 'OrderSummary',
  tableName: 'order_summaries',
  columns: {
    orderId: { type: 'uuid', primary: true, name: 'order_id' },
    userId: { type: 'uuid', name: 'user_id' },
    organizationId: { type: 'uuid', name: 'organization_id' },
    totalCents: { type: 'bigint', name: 'total_cents', transformer: bigintAsNumber },
    status: { type: 'text' },
    placedAt: { type: 'timestamptz', name: 'placed_at', transformer: isoTimestamp },
    lastEventId: { type: 'text', name: 'last_event_id' },
  },
});
