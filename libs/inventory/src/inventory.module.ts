import { DynamicModule, Module } from '@nestjs/common';
import { ContextPersistenceModule } from '@eda/platform';
import { InventoryController } from './api/inventory.controller';
import { ReleaseStockHandler } from './application/bus-commands/release-stock/release-stock.handler';
import { ReserveStockHandler } from './application/bus-commands/reserve-stock/reserve-stock.handler';
import { CreateProductHandler } from './application/commands/create-product/create-product.handler';
import { RestockProductHandler } from './application/commands/restock-product/restock-product.handler';
import { UpdateProductHandler } from './application/commands/update-product/update-product.handler';
import { GetProductHandler } from './application/queries/get-product/get-product.handler';
import { inventoryStorage } from './inventory.storage';

/** The inventory bounded context: products, stock, and the stock reservations of order sagas; owns the `inventory` schema. */
@Module({})
export class InventoryModule {
  static readonly storage = inventoryStorage;

  /** `routes: false` in processes without the api role: the context still handles messages. */
  static forRoot(options: { routes: boolean }): DynamicModule {
    return {
      module: InventoryModule,
      imports: [ContextPersistenceModule.forContext(inventoryStorage)],
      controllers: options.routes ? [InventoryController] : [],
      providers: [
        CreateProductHandler,
        UpdateProductHandler,
        RestockProductHandler,
        GetProductHandler,
        ReserveStockHandler,
        ReleaseStockHandler,
      ],
    };
  }
}
