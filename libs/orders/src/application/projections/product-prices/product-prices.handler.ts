import { Injectable } from '@nestjs/common';
import { CloudEvent, MessageHandler, OnMessage, TransactionScope } from '@eda/platform';
import { applyToProductPrices, ProductPricesProjection } from './product-prices.projection';

/** Keeps orders.product_prices (the prices an order is placed at) from inventory's product events. */
@Injectable()
@OnMessage(ProductPricesProjection.types, { handler: ProductPricesProjection.name, context: 'orders' })
export class ProductPricesHandler implements MessageHandler {
  handle(event: CloudEvent, tx: TransactionScope): Promise<void> {
    return applyToProductPrices(tx.manager, event, 'live');
  }
}
