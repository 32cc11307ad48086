import { DynamicModule, Module } from '@nestjs/common';
import { ContextPersistenceModule, ProjectionsModule, SagaModule } from '@eda/platform';
import { OrdersController } from './api/orders.controller';
import { CancelOrderHandler } from './application/commands/cancel-order/cancel-order.handler';
import { PlaceOrderHandler } from './application/commands/place-order/place-order.handler';
import { OrderSummariesHandler } from './application/projections/order-summaries/order-summaries.handler';
import { OrganizationNamesHandler } from './application/projections/organization-names/organization-names.handler';
import { ProductPricesHandler } from './application/projections/product-prices/product-prices.handler';
import { UserNamesHandler } from './application/projections/user-names/user-names.handler';
import { GetOrderHandler } from './application/queries/get-order/get-order.handler';
import { ListOrdersHandler } from './application/queries/list-orders/list-orders.handler';
import { AdvancePlaceOrderSagaOnParticipantRepliesHandler } from './application/reactions/advance-place-order-saga-on-participant-replies.handler';
import { PlaceOrderSagaRunner } from './application/sagas/place-order/place-order.saga-runner';
import { PlaceOrderSagaTimeouts } from './application/sagas/place-order/place-order.saga-timeouts';
import { ordersStorage } from './orders.storage';

/** The orders bounded context: orders, the place-order saga and the read models it prices and lists with; owns the `orders` schema. */
@Module({})
export class OrdersModule {
  static readonly storage = ordersStorage;

  /** `routes: false` in processes without the api role: the saga still takes answers and deadlines. */
  static forRoot(options: { routes: boolean }): DynamicModule {
    return {
      module: OrdersModule,
      // SagaModule brings the deadline scheduler and GET /ops/sagas, ProjectionsModule the registry of projections
      // and POST /ops/projections/:name/rebuild (both served whatever the roles).
      imports: [ContextPersistenceModule.forContext(ordersStorage), SagaModule, ProjectionsModule],
      controllers: options.routes ? [OrdersController] : [],
      providers: [
        PlaceOrderSagaRunner,
        PlaceOrderSagaTimeouts,
        PlaceOrderHandler,
        CancelOrderHandler,
        GetOrderHandler,
        ListOrdersHandler,
        AdvancePlaceOrderSagaOnParticipantRepliesHandler,
        ProductPricesHandler,
        UserNamesHandler,
        OrganizationNamesHandler,
        OrderSummariesHandler,
      ],
    };
  }
}
