import type { EntityManager } from 'typeorm';
import type { ProductCreatedData, ProductPriceChangedData } from '@eda/contracts';
import { InventoryEventTypes } from '@eda/contracts';

export interface ProjectedEvent {
  id: string;
  type: string;
  data: unknown;
}

export interface ProductPrice {
  sku: string;
  priceCents: number;
  lastEventId: string;
}

export const ProductPricesProjection = {
  /** Also the handler name: the inbox keeps the applied event ids under it. */
  name: 'orders.product-prices',
  types: [InventoryEventTypes.ProductCreated, InventoryEventTypes.ProductPriceChanged] as string[],
};

/** Pure: the price after `event`. Both events carry the whole price, so either one creates the row. */
export function evolveProductPrice(row: ProductPrice | null, event: ProjectedEvent): ProductPrice | null {
  switch (event.type) {
    case InventoryEventTypes.ProductCreated:
    case InventoryEventTypes.ProductPriceChanged: {
      const data = event.data as ProductCreatedData | ProductPriceChangedData;
      return { sku: data.sku, priceCents: data.priceCents, lastEventId: event.id };
    }
    default:
      return row;
  }
}

/** Idempotent upsert that records the last applied event (the inbox already keeps a repeat out). */
export async function applyToProductPrices(manager: EntityManager, event: ProjectedEvent, mode: 'live' | 'rebuild'): Promise<void> {
  // Shared with other live deliveries, exclusive for a rebuild (which then never interleaves with them).
  if (mode === 'live') await manager.query(`SELECT pg_advisory_xact_lock_shared(hashtextextended($1, 0))`, [ProductPricesProjection.name]);
  const next = evolveProductPrice(null, event);
  if (!next) return;
  await manager.query(
    `INSERT INTO product_prices (sku, price_cents, last_event_id) VALUES ($1, $2, $3)
     ON CONFLICT (sku) DO UPDATE SET price_cents = EXCLUDED.price_cents, last_event_id = EXCLUDED.last_event_id`,
    [next.sku, next.priceCents, next.lastEventId],
  );
}
