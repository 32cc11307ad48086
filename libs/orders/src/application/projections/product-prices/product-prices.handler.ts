import { ProjectionHandler } from '@eda/platform';
import { ProductPricesProjection } from './product-prices.projection';

/** The consumer handler of orders.product-prices (the platform derives it from the declaration). */
export class ProductPricesHandler extends ProjectionHandler(ProductPricesProjection) {}
