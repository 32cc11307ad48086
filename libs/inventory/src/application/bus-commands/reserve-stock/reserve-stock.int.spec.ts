import { randomUUID } from 'node:crypto';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { Pool } from 'pg';
import { CloudEvent, EventLogAppender, UnitOfWork } from '@eda/platform';
import { statementsOn, testCloudEvent } from '@eda/platform/testing';
import { aProduct } from '../../../../../../test/support/mothers';
import { startTestApp, TestApp } from '../../../../../../test/support/test-app';
import { ReleaseStockHandler } from '../release-stock/release-stock.handler';
import { ReserveStockHandler } from './reserve-stock.handler';

/**
 * ReserveStock and its inverse ReleaseStock (which gives back what this one reserved, so it is tested here), called as
 * the consumer calls them: runOnce in inventory's unit of work, real PostgreSQL.
 */
describe('inventory stock reservation participants', () => {
  let t: TestApp;
  let db: Pool;
  let uow: UnitOfWork;
  let reserveHandler: ReserveStockHandler;
  let releaseHandler: ReleaseStockHandler;

  beforeAll(async () => {
    t = await startTestApp({ DATABASE_POOL_SIZE: '12', ROLES: 'api' });
    db = t.sql;
    uow = new UnitOfWork('inventory', t.app.get(getDataSourceToken('inventory'), { strict: false }), t.app.get(EventLogAppender, { strict: false }));
    reserveHandler = t.app.get(ReserveStockHandler, { strict: false });
    releaseHandler = t.app.get(ReleaseStockHandler, { strict: false });
  });
  afterAll(async () => {
    await t.close();
  });

  const command = (type: string, orderId: string, data: unknown): CloudEvent => testCloudEvent('orders', type, orderId, data);
  const reserveCommand = (orderId: string, lines: Array<{ sku: string; quantity: number }>) => command('inventory.ReserveStock', orderId, { orderId, lines });
  const reserve = (message: CloudEvent) => uow.runOnce('inventory.reserve-stock', message, (tx) => reserveHandler.handle(message, tx));
  const release = (orderId: string) => {
    const message = command('inventory.ReleaseStock', orderId, { orderId });
    return uow.runOnce('inventory.release-stock', message, (tx) => releaseHandler.handle(message, tx));
  };
  const product = (initialStock: number) => aProduct(t, 100, initialStock);
  const stock = async (sku: string) => (await t.request('GET', `/products/${sku}`)).body as { onHand: number; reserved: number; available: number };
  const answers = async (orderId: string) =>
    (await db.query('SELECT stream, envelope FROM inventory.event_log WHERE subject = $1 ORDER BY position', [orderId])).rows as Array<{
      stream: string;
      envelope: CloudEvent<any>;
    }>;

  it('reserves every line and answers StockReserved on inventory-events keyed by the order id, caused by the command', async () => {
    const [a, b] = [await product(5), await product(3)];
    const orderId = randomUUID();
    const message = reserveCommand(orderId, [{ sku: a, quantity: 2 }, { sku: b, quantity: 3 }]);
    expect(await reserve(message)).toBe(true);
    expect(await stock(a)).toMatchObject({ onHand: 5, reserved: 2, available: 3 });
    expect(await stock(b)).toMatchObject({ reserved: 3, available: 0 });
    const [answer] = await answers(orderId);
    expect(answer.stream).toBe('inventory-events');
    expect(answer.envelope).toMatchObject({
      type: 'inventory.StockReserved',
      subject: orderId,
      partitionkey: orderId,
      causationid: message.id,
      correlationid: message.correlationid,
      data: { orderId, lines: [{ sku: a, quantity: 2 }, { sku: b, quantity: 3 }].sort((x, y) => (x.sku < y.sku ? -1 : 1)) },
    });
  });

  it('rejects with OUT_OF_STOCK and reserves nothing of any line when one line is short', async () => {
    const [a, b] = [await product(5), await product(1)];
    const orderId = randomUUID();
    await reserve(reserveCommand(orderId, [{ sku: a, quantity: 1 }, { sku: b, quantity: 2 }]));
    expect((await stock(a)).reserved).toBe(0);
    expect((await stock(b)).reserved).toBe(0);
    expect((await answers(orderId))[0].envelope).toMatchObject({ type: 'inventory.StockReservationRejected', partitionkey: orderId, data: { orderId, reason: 'OUT_OF_STOCK', skus: [b] } });
  });

  it('rejects with UNKNOWN_PRODUCT when a sku does not exist', async () => {
    const a = await product(5);
    const orderId = randomUUID();
    await reserve(reserveCommand(orderId, [{ sku: a, quantity: 1 }, { sku: 'NO-SUCH-SKU', quantity: 1 }]));
    expect((await stock(a)).reserved).toBe(0);
    expect((await answers(orderId))[0].envelope.data).toMatchObject({ reason: 'UNKNOWN_PRODUCT', skus: ['NO-SUCH-SKU'] });
  });

  it('applies a redelivered message once, and answers a repeated command the same way without reserving twice', async () => {
    const a = await product(5);
    const orderId = randomUUID();
    const message = reserveCommand(orderId, [{ sku: a, quantity: 2 }]);
    expect(await reserve(message)).toBe(true);
    expect(await reserve(message)).toBe(false);
    expect(await reserve(reserveCommand(orderId, [{ sku: a, quantity: 2 }]))).toBe(true);
    expect((await stock(a)).reserved).toBe(2);
    const replies = await answers(orderId);
    expect(replies.map((r) => r.envelope.type)).toEqual(['inventory.StockReserved', 'inventory.StockReserved']);
    expect(replies[1].envelope.data).toEqual(replies[0].envelope.data);
  });

  it('releases an order’s stock once; a second release and a release of an unknown order give back nothing', async () => {
    const a = await product(5);
    const [orderId, other] = [randomUUID(), randomUUID()];
    await reserve(reserveCommand(orderId, [{ sku: a, quantity: 2 }]));
    await reserve(reserveCommand(other, [{ sku: a, quantity: 1 }]));
    expect(await release(orderId)).toBe(true);
    expect(await release(orderId)).toBe(true);
    expect(await stock(a)).toMatchObject({ onHand: 5, reserved: 1, available: 4 });
    const released = (await answers(orderId)).filter((r) => r.envelope.type === 'inventory.StockReleased').map((r) => r.envelope.data);
    expect(released).toEqual([{ orderId, lines: [{ sku: a, quantity: 2 }] }, { orderId, lines: [] }]);

    const never = randomUUID();
    await release(never);
    expect((await answers(never)).map((r) => r.envelope)).toEqual([expect.objectContaining({ type: 'inventory.StockReleased', partitionkey: never, data: { orderId: never, lines: [] } })]);
    expect((await stock(a)).reserved).toBe(1);
  });

  it('gives back every line of an order, its products written in one statement', async () => {
    const [a, b, c] = [await product(5), await product(5), await product(5)];
    const orderId = randomUUID();
    await reserve(reserveCommand(orderId, [{ sku: a, quantity: 1 }, { sku: b, quantity: 2 }, { sku: c, quantity: 3 }]));
    expect(await statementsOn(['products'], () => release(orderId))).toEqual(['SELECT products', 'UPDATE products']);
    for (const sku of [a, b, c]) expect(await stock(sku)).toMatchObject({ onHand: 5, reserved: 0, available: 5 });
  });

  it('refuses a malformed command by throwing (the consumer retries, then parks it) and changes nothing', async () => {
    const a = await product(5);
    const orderId = randomUUID();
    await expect(reserve(reserveCommand(orderId, [{ sku: a, quantity: -1 }]))).rejects.toMatchObject({ code: 'INVENTORY.INVALID_RESERVATION' });
    expect(await answers(orderId)).toEqual([]);
    expect((await stock(a)).reserved).toBe(0);
  });

  it('never reserves more than is on hand under many concurrent multi-line reservations: all lines or none', async () => {
    const [scarce, plenty] = [await product(10), await product(1_000)];
    const orders = Array.from({ length: 40 }, () => randomUUID());
    const started = Date.now();
    await Promise.all(
      orders.map((orderId, i) =>
        reserve(reserveCommand(orderId, i % 2 === 0 ? [{ sku: scarce, quantity: 1 }, { sku: plenty, quantity: 1 }] : [{ sku: plenty, quantity: 1 }, { sku: scarce, quantity: 1 }])),
      ),
    );
    const elapsed = Date.now() - started;
    expect(await stock(scarce)).toMatchObject({ onHand: 10, reserved: 10, available: 0 });
    // A rejected order reserved nothing of the plentiful product either.
    expect((await stock(plenty)).reserved).toBe(10);
    const { rows } = await db.query(
      `SELECT type, count(*)::int AS n FROM inventory.event_log WHERE subject = ANY($1) GROUP BY type ORDER BY type`,
      [orders],
    );
    expect(rows).toEqual([
      { type: 'inventory.StockReservationRejected', n: 30 },
      { type: 'inventory.StockReserved', n: 10 },
    ]);
    expect(elapsed).toBeLessThan(30_000);
  });

  it('applies a batch as one transaction, loaded and written once, with the result of applying it one by one', async () => {
    const [a, b] = [await product(5), await product(50)];
    const [first, second, third, fourth] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    const messages = [
      reserveCommand(first, [{ sku: a, quantity: 2 }, { sku: b, quantity: 1 }]),
      reserveCommand(second, [{ sku: a, quantity: 2 }]),
      // Only 1 of a is left: rejected, and nothing of b is taken for it.
      reserveCommand(third, [{ sku: b, quantity: 1 }, { sku: a, quantity: 2 }]),
      // The first order's command again, with a new message id: the first answer again, nothing reserved twice.
      reserveCommand(first, [{ sku: a, quantity: 2 }, { sku: b, quantity: 1 }]),
      reserveCommand(fourth, [{ sku: 'NO-SUCH-SKU', quantity: 1 }]),
    ];
    let applied: boolean[] = [];
    const productStatements = await statementsOn(['products'], async () => {
      applied = await uow.runBatch('inventory.reserve-stock', messages, (m, tx) => reserveHandler.handle(m, tx), undefined, {
        prepare: (all, tx) => reserveHandler.prepareBatch(all, tx),
        finish: (tx) => reserveHandler.finishBatch(tx),
      });
    });
    expect(applied).toEqual([true, true, true, true, true]);
    // Both products changed: locked in one statement, written in one.
    expect(productStatements).toEqual(['SELECT products', 'UPDATE products']);
    expect(await stock(a)).toMatchObject({ reserved: 4, available: 1 });
    expect(await stock(b)).toMatchObject({ reserved: 1, available: 49 });
    const answered = async (orderId: string) => (await answers(orderId)).map((r) => [r.envelope.type, r.envelope.causationid, r.envelope.data.reason ?? null]);
    expect(await answered(first)).toEqual([['inventory.StockReserved', messages[0].id, null], ['inventory.StockReserved', messages[3].id, null]]);
    expect(await answered(second)).toEqual([['inventory.StockReserved', messages[1].id, null]]);
    expect(await answered(third)).toEqual([['inventory.StockReservationRejected', messages[2].id, 'OUT_OF_STOCK']]);
    expect(await answered(fourth)).toEqual([['inventory.StockReservationRejected', messages[4].id, 'UNKNOWN_PRODUCT']]);
    // The same commands again, as a redelivered batch: all in the inbox, nothing applied or answered twice.
    expect(await uow.runBatch('inventory.reserve-stock', messages, (m, tx) => reserveHandler.handle(m, tx), undefined, {
      prepare: (all, tx) => reserveHandler.prepareBatch(all, tx),
      finish: (tx) => reserveHandler.finishBatch(tx),
    })).toEqual([false, false, false, false, false]);
    expect((await stock(a)).reserved).toBe(4);
    expect(await answered(second)).toHaveLength(1);
  });

  it('has the database refuse negative stock and reservations beyond stock on hand, whatever the code does', async () => {
    const a = await product(2);
    const owner = db;
    await expect(owner.query('UPDATE inventory.products SET reserved = on_hand + 1 WHERE sku = $1', [a])).rejects.toThrow(/products_reserved_within_on_hand/);
    await expect(owner.query('UPDATE inventory.products SET on_hand = -1, reserved = 0 WHERE sku = $1', [a])).rejects.toThrow(/check constraint/);
  });
});
