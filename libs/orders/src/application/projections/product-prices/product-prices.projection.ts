import type { ProductCreatedData, ProductPriceChangedData } from '@eda/contracts';
import { InventoryEventTypes } from '@eda/contracts';
import { defineProjection, entityStore, ProjectedEvent } from '@eda/platform';
import { ProductPriceRow, ProductPriceSchema } from '../../../infrastructure/persistence/read-models.schema';

/** A row of orders.product_prices, as its table mapping declares it. */
export type ProductPrice = ProductPriceRow;

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

/** orders.product_prices (the prices an order is placed at), from inventory's product events. */
export const ProductPricesProjection = defineProjection<ProductPrice>({
  name: 'orders.product-prices',
  context: 'orders',
  types: [InventoryEventTypes.ProductCreated, InventoryEventTypes.ProductPriceChanged],
  key: (event) => ({ sku: (event.data as { sku?: string }).sku }),
  evolve: evolveProductPrice,
  store: entityStore(ProductPriceSchema),
});
