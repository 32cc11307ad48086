import { In, type EntityManager } from 'typeorm';
import { updateVersionedRows } from '@eda/platform';
import { ProductNotFoundError, SkuTakenError } from '../../domain/product.errors';
import { Product } from '../../domain/product.aggregate';
import { ProductSchema } from './product.schema';

/**
 * Loads products for change with a row lock (SELECT ... FOR UPDATE), so reservations and REST changes of
 * one product queue up instead of failing on the version check; `version` still guards against lost updates.
 */
export class ProductRepository {
  constructor(private readonly manager: EntityManager) {}

  async getForUpdate(sku: string): Promise<Product> {
    const row = await this.manager.getRepository(ProductSchema).findOne({ where: { sku }, lock: { mode: 'pessimistic_write' } });
    if (!row) throw new ProductNotFoundError(sku);
    return Product.restore(row);
  }

  /** Locks the existing ones in sku order, the same order every transaction uses, so two never deadlock. */
  async lockMany(skus: string[]): Promise<Map<string, Product>> {
    const sorted = [...new Set(skus)].sort();
    if (sorted.length === 0) return new Map();
    const rows = await this.manager
      .getRepository(ProductSchema)
      .createQueryBuilder('p')
      .where({ sku: In(sorted) })
      .orderBy('p.sku', 'ASC')
      .setLock('pessimistic_write')
      .getMany();
    return new Map(rows.map((row) => [row.sku, Product.restore(row)]));
  }

  async add(product: Product): Promise<void> {
    const state = product.snapshot();
    const result = await this.manager.query(
      `INSERT INTO products (sku, name, price_cents, on_hand, reserved, version, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, 1, $6, $7) ON CONFLICT (sku) DO NOTHING RETURNING sku`,
      [state.sku, state.name, state.priceCents, state.onHand, state.reserved, state.createdAt, state.updatedAt],
    );
    if (result.length === 0) throw new SkuTakenError(state.sku);
  }

  /** Writes a product's changes, conditional on the version it was read at (ConcurrencyConflictError when it moved). */
  async save(product: Product): Promise<void> {
    await this.saveMany([product]);
  }

  /**
   * Writes many products (all but the sku and the creation time, which never change), each conditional on its
   * version, in one statement: a reservation batch's products are locked until commit, and another shard's batch
   * waits for them. The one write path of a product, `save` included.
   */
  async saveMany(products: Iterable<Product>): Promise<void> {
    await updateVersionedRows(this.manager, {
      entity: 'Product',
      table: 'products',
      key: { column: 'sku', type: 'text' },
      columns: { name: 'text', price_cents: 'bigint', on_hand: 'bigint', reserved: 'bigint', updated_at: 'timestamptz' },
      rows: [...products].map((product) => {
        const p = product.snapshot();
        return { key: p.sku, version: p.version, values: { name: p.name, price_cents: p.priceCents, on_hand: p.onHand, reserved: p.reserved, updated_at: p.updatedAt } };
      }),
    });
  }
}
