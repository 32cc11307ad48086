import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { rebuildProjection, RebuildableProjection, UnitOfWork } from '@eda/platform';
import { applyToOrderSummaries, OrderSummariesProjection } from './order-summaries/order-summaries.projection';
import { applyToPartyNames, OrganizationNamesProjection, UserNamesProjection } from './party-names/party-names.projection';
import { applyToProductPrices, ProductPricesProjection } from './product-prices/product-prices.projection';

const PROJECTIONS: Array<Omit<RebuildableProjection, 'reset'> & { table: string }> = [
  { ...ProductPricesProjection, source: 'inventory', table: 'product_prices', apply: (m, e) => applyToProductPrices(m, e, 'rebuild') },
  { ...UserNamesProjection, source: 'users', table: 'user_names', apply: (m, e) => applyToPartyNames(m, e, 'rebuild') },
  { ...OrganizationNamesProjection, source: 'organizations', table: 'organization_names', apply: (m, e) => applyToPartyNames(m, e, 'rebuild') },
  { ...OrderSummariesProjection, source: 'orders', table: 'order_summaries', apply: (m, e) => applyToOrderSummaries(m, e, 'rebuild') },
];

export const REBUILDABLE_ORDERS_PROJECTIONS = PROJECTIONS.map((p) => p.name);

/** Rebuilds an orders read model from its source's event log (docs/architecture.md §3.10), live events resuming without gap or double. */
@Injectable()
export class OrdersProjectionsRebuilder {
  constructor(private readonly uow: UnitOfWork, @InjectDataSource('platform') private readonly platform: DataSource) {}

  rebuild(name: string): Promise<{ replayed: number }> {
    const projection = PROJECTIONS.find((p) => p.name === name);
    if (!projection) throw new Error(`No orders projection named ${name}.`);
    return rebuildProjection(this.uow, this.platform, { ...projection, reset: (manager) => manager.query(`DELETE FROM ${projection.table}`) });
  }
}
