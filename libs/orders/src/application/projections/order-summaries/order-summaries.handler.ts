import { Injectable } from '@nestjs/common';
import { CloudEvent, MessageHandler, OnMessage, TransactionScope } from '@eda/platform';
import { applyToOrderSummaries, OrderSummariesProjection } from './order-summaries.projection';

/** Keeps orders.order_summaries (GET /orders) from orders' own events on `orders-events`. */
@Injectable()
@OnMessage(OrderSummariesProjection.types, { handler: OrderSummariesProjection.name, context: 'orders' })
export class OrderSummariesHandler implements MessageHandler {
  handle(event: CloudEvent, tx: TransactionScope): Promise<void> {
    return applyToOrderSummaries(tx.manager, event, 'live');
  }
}
