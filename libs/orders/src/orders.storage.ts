import { ContextStorage, contextStoreMigrations, sagaStoreMigrations } from '@eda/platform';
import { CreateOrders1763900400000 } from './infrastructure/persistence/migrations/1763900400000-create-orders';
import { IdempotencyKeySchema, OrderSchema } from './infrastructure/persistence/order.schema';
import { OrderSummarySchema, OrganizationNameSchema, ProductPriceSchema, UserNameSchema } from './infrastructure/persistence/read-models.schema';

export const ordersStorage: ContextStorage = {
  name: 'orders',
  entities: [OrderSchema, IdempotencyKeySchema, ProductPriceSchema, UserNameSchema, OrganizationNameSchema, OrderSummarySchema],
  migrations: [...contextStoreMigrations, ...sagaStoreMigrations, CreateOrders1763900400000],
};
