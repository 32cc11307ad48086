import type { DynamicModule } from '@nestjs/common';
import { ContextStorage, platformStorage } from '@eda/platform';
import { UsersModule } from '@eda/users';
import { InventoryModule } from '@eda/inventory';
import { OrganizationsModule } from '@eda/organizations';
import { OrdersModule } from '@eda/orders';

/** The bounded contexts this app runs, in the order their schemas are provisioned. */
export const contextModules = [UsersModule, OrganizationsModule, InventoryModule, OrdersModule];

export const storages: ContextStorage[] = [platformStorage, ...contextModules.map((m) => m.storage)];

export function contextImports(routes: boolean): DynamicModule[] {
  return contextModules.map((m) => m.forRoot({ routes }));
}
