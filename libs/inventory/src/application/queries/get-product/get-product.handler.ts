import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { ProductNotFoundError } from '../../../domain/product.errors';
import { ProductSchema } from '../../../infrastructure/persistence/product.schema';
import { GetProductQuery, ProductView } from './get-product.query';

@QueryHandler(GetProductQuery)
export class GetProductHandler implements IQueryHandler<GetProductQuery> {
  constructor(@InjectDataSource('inventory') private readonly db: DataSource) {}

  async execute({ sku }: GetProductQuery): Promise<ProductView> {
    const row = await this.db.getRepository(ProductSchema).findOneBy({ sku });
    if (!row) throw new ProductNotFoundError(sku);
    return { sku: row.sku, name: row.name, priceCents: row.priceCents, onHand: row.onHand, reserved: row.reserved, available: row.onHand - row.reserved };
  }
}
