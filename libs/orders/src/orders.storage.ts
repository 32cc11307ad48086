import { ContextStorage, contextStoreMigrations, sagaStoreMigrations } from '@eda/platform';
import { CreateOrders1763900400000 } from './infrastructure/persistence/migrations/1763900400000-create-orders';

export const ordersStorage: ContextStorage = {
  name: 'orders',
  entities: [],
  migrations: [...contextStoreMigrations, ...sagaStoreMigrations, CreateOrders1763900400000],
};
