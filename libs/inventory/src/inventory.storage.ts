import { ContextStorage, contextStoreMigrations } from '@eda/platform';
import { CreateInventory1763900300000 } from './infrastructure/persistence/migrations/1763900300000-create-inventory';
import { ProductSchema, StockReservationSchema } from './infrastructure/persistence/product.schema';

export const inventoryStorage: ContextStorage = {
  name: 'inventory',
  entities: [ProductSchema, StockReservationSchema],
  receivesCommands: true,
  migrations: [...contextStoreMigrations, CreateInventory1763900300000],
};
