import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { ConcurrencyConflictError } from '@eda/platform';
import { createMigratedDataSource } from '@eda/platform/testing';
import { Order } from '../../domain/order.aggregate';
import { CreateOrders1763900400000 } from './migrations/1763900400000-create-orders';
import { OrderRepository } from './order.repository';
import { OrderSchema } from './order.schema';

const t0 = new Date('2026-01-01T00:00:00Z');
const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000);

/** The orders table on real PostgreSQL: many orders read at once, their moves written at once on the version read. */
describe('OrderRepository', () => {
  let ds: DataSource;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ dataSource: ds, close } = await createMigratedDataSource({ entities: [OrderSchema], migrations: [CreateOrders1763900400000] }));
  });
  afterAll(() => close());

  const placed = async (): Promise<string> => {
    const order = Order.place({ id: randomUUID(), userId: randomUUID(), organizationId: randomUUID(), lines: [{ sku: 'A', quantity: 2 }] }, new Map([['A', 250]]), t0);
    const { sql, params } = OrderRepository.adding(order);
    await ds.query(sql, params as unknown[]);
    return order.id;
  };
  const row = async (id: string) =>
    (await ds.query('SELECT status, rejection_reason, version, updated_at, items, total_cents::int AS total FROM orders WHERE id = $1', [id]))[0];

  it('reads many orders in one go and writes their moves in one, each one version up', async () => {
    const [approved, rejected, cancelling, untouched] = [await placed(), await placed(), await placed(), await placed()];
    const orders = await new OrderRepository(ds.manager).findMany([approved, rejected, cancelling, randomUUID()]);
    expect([...orders.keys()].sort()).toEqual([approved, rejected, cancelling].sort());
    orders.get(approved)!.approve(at(1));
    orders.get(rejected)!.reject('OUT_OF_STOCK', at(2));
    // Two moves of one order in one transaction: written once, with where the last left it.
    orders.get(cancelling)!.approve(at(3));
    orders.get(cancelling)!.requestCancellation(at(4));
    await ds.transaction((manager) => new OrderRepository(manager).saveMany([...orders.values()]));

    const items = [{ sku: 'A', quantity: 2, unitPriceCents: 250 }];
    expect(await row(approved)).toEqual({ status: 'APPROVED', rejection_reason: null, version: 2, updated_at: at(1), items, total: 500 });
    expect(await row(rejected)).toEqual({ status: 'REJECTED', rejection_reason: 'OUT_OF_STOCK', version: 2, updated_at: at(2), items, total: 500 });
    expect(await row(cancelling)).toMatchObject({ status: 'CANCELLING', rejection_reason: null, version: 2, updated_at: at(4) });
    expect(await row(untouched)).toMatchObject({ status: 'PENDING', version: 1, updated_at: t0 });
    expect((await new OrderRepository(ds.manager).get(approved)).snapshot()).toMatchObject({ status: 'APPROVED', version: 2 });
  });

  it('refuses the whole write when one order moved since it was read: ConcurrencyConflictError, and its transaction writes nothing', async () => {
    const [current, moved] = [await placed(), await placed()];
    const orders = await new OrderRepository(ds.manager).findMany([current, moved]);
    await ds.query(`UPDATE orders SET status = 'CANCELLING', version = version + 1 WHERE id = $1`, [moved]);
    orders.get(current)!.approve(at(1));
    orders.get(moved)!.approve(at(1));
    const write = ds.transaction((manager) => new OrderRepository(manager).saveMany([...orders.values()]));
    await expect(write).rejects.toBeInstanceOf(ConcurrencyConflictError);
    await expect(write).rejects.toThrow(moved);
    expect(await row(current)).toMatchObject({ status: 'PENDING', version: 1, updated_at: t0 });
    expect(await row(moved)).toMatchObject({ status: 'CANCELLING', version: 2 });
  });
});
