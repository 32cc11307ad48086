import { EntitySchema, ValueTransformer } from 'typeorm';
import type { StockLine, StockRejectionReason } from '@eda/contracts';
import type { ReservationOutcome } from '../../domain/stock-reservation.aggregate';

/** bigint columns come back from pg as strings; every value we store is a safe integer. */
export const bigintAsNumber: ValueTransformer = {
  to: (value: number | undefined) => value,
  from: (value: string | null) => (value === null ? null : Number(value)),
};

export interface ProductRow {
  sku: string;
  name: string;
  priceCents: number;
  onHand: number;
  reserved: number;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export const ProductSchema = new EntitySchema<ProductRow>({
  name: 'Product',
  tableName: 'products',
  columns: {
    sku: { type: 'text', primary: true },
    name: { type: 'text' },
    priceCents: { type: 'bigint', name: 'price_cents', transformer: bigintAsNumber },
    onHand: { type: 'bigint', name: 'on_hand', transformer: bigintAsNumber },
    reserved: { type: 'bigint', transformer: bigintAsNumber },
    version: { type: 'integer' },
    createdAt: { type: 'timestamptz', name: 'created_at' },
    updatedAt: { type: 'timestamptz', name: 'updated_at' },
  },
});

export interface StockReservationRow {
  orderId: string;
  outcome: ReservationOutcome;
  reason: StockRejectionReason | null;
  skus: string[];
  lines: StockLine[];
  releasedAt: Date | null;
  createdAt: Date;
}

export const StockReservationSchema = new EntitySchema<StockReservationRow>({
  name: 'StockReservation',
  tableName: 'stock_reservations',
  columns: {
    orderId: { type: 'text', primary: true, name: 'order_id' },
    outcome: { type: 'text' },
    reason: { type: 'text', nullable: true },
    skus: { type: 'jsonb' },
    lines: { type: 'jsonb' },
    releasedAt: { type: 'timestamptz', name: 'released_at', nullable: true },
    createdAt: { type: 'timestamptz', name: 'created_at' },
  },
});
