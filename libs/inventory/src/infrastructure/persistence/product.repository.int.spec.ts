import type { DataSource, EntityManager } from 'typeorm';
import { ConcurrencyConflictError } from '@eda/platform';
import { createMigratedDataSource, statementsOn, uniqueName } from '@eda/platform/testing';
import { Product } from '../../domain/product.aggregate';
import { CreateInventory1763900300000 } from './migrations/1763900300000-create-inventory';
import { ProductRepository } from './product.repository';
import { ProductSchema, StockReservationSchema } from './product.schema';

const created = new Date('2026-01-01T00:00:00Z');
const [restocked, reserved, released, renamed, repriced] = [1, 2, 3, 4, 5].map((s) => new Date(created.getTime() + s * 1000));

/** The products table on real PostgreSQL: many products written at once, each as `save` writes one. */
describe('ProductRepository.saveMany', () => {
  let ds: DataSource;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ dataSource: ds, close } = await createMigratedDataSource({
      entities: [ProductSchema, StockReservationSchema],
      migrations: [CreateInventory1763900300000],
    }));
  });
  afterAll(() => close());

  const added = async (initialStock = 50): Promise<string> => {
    const sku = uniqueName('SKU-');
    await new ProductRepository(ds.manager).add(Product.create({ sku, name: 'Widget', priceCents: 250, initialStock }, created));
    return sku;
  };
  /** The same moves for each product, so that products written either way must read back alike. */
  const moved = (product: Product) => {
    product.restock(7, restocked);
    product.reserve(40, reserved);
    product.release(3, released);
    product.rename('Gadget', renamed);
    product.changePrice(1_999, repriced);
  };
  const inTransaction = (work: (products: ProductRepository, manager: EntityManager) => Promise<void>) =>
    ds.transaction((manager) => work(new ProductRepository(manager), manager));
  /** The stored row as PostgreSQL holds it, but its sku: every column's own text. */
  const stored = async (sku: string) => (await ds.query(`SELECT to_jsonb(p) - 'sku' AS row FROM products p WHERE sku = $1`, [sku]))[0].row;
  const loaded = async (sku: string) => {
    const { sku: _sku, ...state } = (await ds.transaction((manager) => new ProductRepository(manager).getForUpdate(sku))).snapshot();
    return state;
  };

  it('writes the products in one statement, each as save writes it: the same row, the same product loaded after', async () => {
    const [bySave, first, second] = [await added(), await added(), await added()];
    await inTransaction(async (products) => {
      const locked = await products.lockMany([bySave, first, second]);
      for (const product of locked.values()) moved(product);
      await products.save(locked.get(bySave)!);
      expect(await statementsOn(['products'], () => products.saveMany([locked.get(first)!, locked.get(second)!]))).toEqual(['UPDATE products']);
    });
    expect(await loaded(first)).toEqual(await loaded(bySave));
    expect(await loaded(first)).toEqual({
      name: 'Gadget', priceCents: 1_999, onHand: 57, reserved: 37, version: 2, createdAt: created, updatedAt: repriced,
    });
    expect(await stored(first)).toEqual(await stored(bySave));
    expect(await stored(second)).toEqual(await stored(bySave));
  });

  it('refuses the whole write when one product moved since it was read: ConcurrencyConflictError, and its transaction writes nothing', async () => {
    const [current, changedElsewhere] = [await added(), await added()];
    const write = inTransaction(async (products, manager) => {
      const locked = await products.lockMany([current, changedElsewhere]);
      // Written behind the loaded product's back (the row lock is this transaction's own).
      await manager.query(`UPDATE products SET on_hand = on_hand + 1, version = version + 1 WHERE sku = $1`, [changedElsewhere]);
      for (const product of locked.values()) moved(product);
      await products.saveMany(locked.values());
    });
    await expect(write).rejects.toBeInstanceOf(ConcurrencyConflictError);
    await expect(write).rejects.toThrow(`Product ${changedElsewhere} was changed concurrently`);
    expect(await loaded(current)).toMatchObject({ name: 'Widget', onHand: 50, reserved: 0, version: 1, updatedAt: created });
    expect(await loaded(changedElsewhere)).toMatchObject({ onHand: 50, version: 1 });
  });
});
