import { ProjectionHandler } from '@eda/platform';
import { OrderSummariesProjection } from './order-summaries.projection';

/** The consumer handler of orders.order-summaries (the platform derives it from the declaration). */
export class OrderSummariesHandler extends ProjectionHandler(OrderSummariesProjection) {}
