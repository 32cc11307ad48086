import { EntitySchema } from 'typeorm';
import { bigintAsNumber } from '@eda/platform';
import type { StockReservationState } from '../../domain/stock-reservation.aggregate';
import type { ProductState } from '../../domain/product.aggregate';


/** A products row holds exactly the aggregate's state. */
export type ProductRow = ProductState;

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

/** A stock_reservations row holds exactly the aggregate's state. */
export type StockReservationRow = StockReservationState;

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
