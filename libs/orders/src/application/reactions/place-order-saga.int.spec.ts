import { randomUUID } from 'node:crypto';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { Pool } from 'pg';
import { CloudEvent, ConcurrencyConflictError, EventLogAppender, SagaDeadlineScheduler, TransactionScope, UnitOfWork } from '@eda/platform';
import { eventually, statementsOn, testCloudEvent } from '@eda/platform/testing';
import { startTestApp, TestApp } from '../../../../../test/support/test-app';
import { ProductPricesHandler } from '../projections/product-prices/product-prices.handler';
import { AdvancePlaceOrderSagaOnParticipantRepliesHandler } from './advance-place-order-saga-on-participant-replies.handler';

/**
 * The place-order saga's reactions and deadlines on the real database, called as the consumer and the
 * scheduler call them, with no participant running: every answer is fed by the test (or never comes).
 */
describe('place-order saga reactions and deadlines', () => {
  let t: TestApp;
  let db: Pool;
  let uow: UnitOfWork;
  let replies: AdvancePlaceOrderSagaOnParticipantRepliesHandler;
  let prices: ProductPricesHandler;
  let scheduler: SagaDeadlineScheduler;

  beforeAll(async () => {
    // api only: no relay, no consumer, and the scheduler fires deadlines only when the test asks it to.
    t = await startTestApp({ ROLES: 'api', SAGA_TIMEOUT_SECONDS: '1', DATABASE_POOL_SIZE: '8' });
    db = t.sql;
    uow = new UnitOfWork('orders', t.app.get(getDataSourceToken('orders'), { strict: false }), t.app.get(EventLogAppender, { strict: false }));
    replies = t.app.get(AdvancePlaceOrderSagaOnParticipantRepliesHandler, { strict: false });
    prices = t.app.get(ProductPricesHandler, { strict: false });
    scheduler = t.app.get(SagaDeadlineScheduler, { strict: false });
  });
  afterAll(async () => {
    await t.close();
  });

  const message = testCloudEvent;
  /** Delivers like the consumer: once per message id, again on a version conflict. */
  const deliver = async (event: CloudEvent): Promise<boolean> => {
    for (;;) {
      try {
        return await uow.runOnce('orders.place-order-saga', event, (tx) => replies.handle(event, tx));
      } catch (error) {
        if (!(error instanceof ConcurrencyConflictError)) throw error;
      }
    }
  };
  /** Applies `batch` as the consumer applies a batch of this handler: one transaction, its sagas loaded once and written once. */
  const deliverBatch = (batch: CloudEvent[], work = (e: CloudEvent, tx: TransactionScope) => replies.handle(e, tx)) =>
    uow.runBatch('orders.place-order-saga', batch, work, undefined, {
      prepare: (all, tx) => replies.prepareBatch(all, tx),
      finish: (tx) => replies.finishBatch(tx),
    });
  /** The statements `work` sends on the saga and order tables. */
  const sagaAndOrderStatements = (work: () => Promise<unknown>) => statementsOn(['saga_instances', 'orders'], work);
  const reply = (type: string, orderId: string, extra: Record<string, unknown> = {}) =>
    message(type.split('.')[0], type, orderId, { orderId, organizationId: randomUUID(), userId: randomUUID(), amountCents: 0, lines: [], ...extra });
  const priced = async (priceCents: number) => {
    const sku = `SKU-${randomUUID().slice(0, 8)}`;
    const event = message('inventory', 'inventory.ProductCreated', sku, { sku, name: 'W', priceCents, initialStock: 5 });
    await uow.runOnce('orders.product-prices', event, (tx) => prices.handle(event, tx));
    return sku;
  };
  const placeOrder = async (sku: string, quantity = 1) => {
    const res = await t.request('POST', '/orders', { userId: randomUUID(), organizationId: randomUUID(), items: [{ sku, quantity }] });
    expect(res.status).toBe(202);
    return res.body.id as string;
  };
  const order = async (id: string) => (await t.request('GET', `/orders/${id}`)).body;
  const saga = async (id: string) => (await db.query('SELECT status, step, state, version, deadline FROM orders.saga_instances WHERE id = $1', [id])).rows[0];
  const logged = async (id: string) =>
    (await db.query('SELECT type, stream, partition_key FROM orders.event_log WHERE subject = $1 ORDER BY position', [id])).rows as Array<{ type: string; stream: string; partition_key: string }>;
  const typesLogged = async (id: string) => (await logged(id)).map((r) => r.type);

  it('places an order in one transaction: the order, its saga with a deadline, OrderPlaced, ReserveStock and ReserveCredit keyed by the order id', async () => {
    const sku = await priced(700);
    const id = await placeOrder(sku, 2);
    expect(await logged(id)).toEqual([
      { type: 'orders.OrderPlaced', stream: 'orders-events', partition_key: id },
      { type: 'inventory.ReserveStock', stream: 'inventory-commands', partition_key: id },
      { type: 'organizations.ReserveCredit', stream: 'organizations-commands', partition_key: id },
    ]);
    expect(await saga(id)).toMatchObject({ status: 'RUNNING', step: 'RESERVING', version: 1, deadline: expect.any(Date), state: { stock: 'PENDING', credit: 'PENDING' } });
    expect(await order(id)).toMatchObject({ status: 'PENDING', totalCents: 1_400, items: [{ sku, quantity: 2, unitPriceCents: 700 }] });
  });

  it('advances a batch of answers in memory and writes it at once: two answers of one saga decide in turn, the order approved once', async () => {
    const sku = await priced(100);
    const [both, stockOnly, rejected, alsoBoth] = [await placeOrder(sku), await placeOrder(sku), await placeOrder(sku), await placeOrder(sku)];
    const batch = [
      reply('inventory.StockReserved', both),
      reply('inventory.StockReserved', stockOnly),
      reply('organizations.CreditReserved', both),
      reply('inventory.StockReservationRejected', rejected, { reason: 'OUT_OF_STOCK', skus: [sku] }),
      reply('organizations.CreditReserved', alsoBoth),
      reply('inventory.StockReserved', alsoBoth),
    ];
    let applied: boolean[] = [];
    const statements = await sagaAndOrderStatements(async () => {
      applied = await deliverBatch(batch);
    });
    expect(applied).toEqual(batch.map(() => true));
    // However many answers: the sagas locked and their orders read, then the moved orders and the advanced sagas written.
    expect(statements).toEqual(['SELECT saga_instances', 'SELECT orders', 'UPDATE orders', 'UPDATE saga_instances']);
    for (const id of [both, alsoBoth]) {
      expect(await saga(id)).toMatchObject({ status: 'COMPLETED', step: 'APPROVED', version: 3 });
      expect((await order(id)).history.map((h: { step: string }) => h.step)).toEqual(['RESERVING', 'APPROVED']);
      expect((await typesLogged(id)).filter((type) => type === 'orders.OrderApproved')).toHaveLength(1);
      expect((await db.query('SELECT status, version FROM orders.orders WHERE id = $1', [id])).rows[0]).toEqual({ status: 'APPROVED', version: 2 });
    }
    expect(await saga(stockOnly)).toMatchObject({ status: 'RUNNING', version: 2, state: { stock: 'RESERVED', credit: 'PENDING' } });
    expect((await order(stockOnly)).status).toBe('PENDING');
    expect((await order(rejected)).status).toBe('REJECTED');
    expect((await logged(rejected)).slice(-2)).toEqual([
      { type: 'orders.OrderRejected', stream: 'orders-events', partition_key: rejected },
      { type: 'organizations.ReleaseCredit', stream: 'organizations-commands', partition_key: rejected },
    ]);
    // Each event is caused by the answer that decided it.
    const causes = await db.query(
      `SELECT type, envelope->>'causationid' AS cause FROM orders.event_log WHERE subject = ANY($1) AND type IN ('orders.OrderApproved', 'orders.OrderRejected', 'organizations.ReleaseCredit') ORDER BY position`,
      [[both, rejected, alsoBoth]],
    );
    expect(causes.rows).toEqual([
      { type: 'orders.OrderApproved', cause: batch[2].id },
      { type: 'orders.OrderRejected', cause: batch[3].id },
      { type: 'organizations.ReleaseCredit', cause: batch[3].id },
      { type: 'orders.OrderApproved', cause: batch[5].id },
    ]);
  });

  it('rolls a whole batch back when a row it writes changed since it was read, for the answers to be applied one by one', async () => {
    const sku = await priced(100);
    const [approving, rejecting] = [await placeOrder(sku), await placeOrder(sku)];
    const batch = [
      reply('inventory.StockReserved', approving),
      reply('organizations.CreditReserved', approving),
      reply('inventory.StockReservationRejected', rejecting, { reason: 'OUT_OF_STOCK', skus: [sku] }),
    ];
    const run = deliverBatch(batch, async (e, tx) => {
      await replies.handle(e, tx);
      // A write past the saga's lock: the order the batch read moves before the batch writes it.
      if (e === batch[0]) await db.query('UPDATE orders.orders SET version = version + 1 WHERE id = $1', [approving]);
    });
    await expect(run).rejects.toBeInstanceOf(ConcurrencyConflictError);
    for (const id of [approving, rejecting]) {
      expect(await saga(id)).toMatchObject({ status: 'RUNNING', version: 1 });
      expect((await order(id)).status).toBe('PENDING');
      expect(await typesLogged(id)).toHaveLength(3);
    }
    expect((await db.query('SELECT count(*)::int AS n FROM orders.inbox WHERE message_id = ANY($1)', [batch.map((e) => e.id)])).rows[0].n).toBe(0);

    for (const answer of batch) expect(await deliver(answer)).toBe(true);
    expect(await order(approving)).toMatchObject({ status: 'APPROVED' });
    expect(await order(rejecting)).toMatchObject({ status: 'REJECTED', rejectionReason: 'OUT_OF_STOCK' });
  });

  it('sends, for one answer alone, what it must: its saga locked and written, its order read and written only when it moves', async () => {
    const id = await placeOrder(await priced(100));
    expect(await sagaAndOrderStatements(() => deliver(reply('inventory.StockReserved', id)))).toEqual(['SELECT saga_instances', 'UPDATE saga_instances']);
    expect(await sagaAndOrderStatements(() => deliver(reply('organizations.CreditReserved', id)))).toEqual([
      'SELECT saga_instances',
      'SELECT orders',
      'UPDATE orders',
      'UPDATE saga_instances',
    ]);
    expect(await order(id)).toMatchObject({ status: 'APPROVED' });
    expect(await saga(id)).toMatchObject({ status: 'COMPLETED', version: 3 });
  });

  it('times out a saga whose participant never answers, rejects with TIMEOUT and compensates; it ends once the release is answered', async () => {
    const id = await placeOrder(await priced(100));
    await eventually('the deadline fires', async () => {
      await scheduler.fireDue();
      expect((await order(id)).status).toBe('REJECTED');
    }, 15_000, 100);
    expect(await order(id)).toMatchObject({ rejectionReason: 'TIMEOUT' });
    expect(await typesLogged(id)).toEqual([
      'orders.OrderPlaced', 'inventory.ReserveStock', 'organizations.ReserveCredit', 'orders.OrderRejected', 'inventory.ReleaseStock', 'organizations.ReleaseCredit',
    ]);
    expect(await saga(id)).toMatchObject({ status: 'COMPENSATING', step: 'REJECTING', state: { stock: 'RELEASING', credit: 'RELEASING' } });

    // Late answers to both reserves are never applied as success: nothing is sent, the order stays rejected.
    expect(await deliver(reply('inventory.StockReserved', id))).toBe(true);
    expect(await deliver(reply('organizations.CreditReserved', id))).toBe(true);
    expect(await typesLogged(id)).toHaveLength(6);
    expect(await deliver(reply('inventory.StockReleased', id))).toBe(true);
    expect(await saga(id)).toMatchObject({ status: 'COMPENSATING', step: 'REJECTING' });
    expect(await deliver(reply('organizations.CreditReleased', id))).toBe(true);
    expect(await saga(id)).toMatchObject({ status: 'COMPENSATED', step: 'REJECTED', deadline: null });
    expect(await order(id)).toMatchObject({ status: 'REJECTED', rejectionReason: 'TIMEOUT' });
    expect((await order(id)).history.map((h: { step: string }) => h.step)).toEqual(['RESERVING', 'REJECTING', 'REJECTED']);
  });

  it('fires each due deadline once when two schedulers run at the same time (SKIP LOCKED)', async () => {
    const sku = await priced(100);
    const ids = await Promise.all(Array.from({ length: 5 }, () => placeOrder(sku)));
    await eventually('every deadline has passed', async () => {
      const { rows } = await db.query('SELECT count(*)::int AS n FROM orders.saga_instances WHERE id = ANY($1) AND deadline <= $2', [ids, new Date()]);
      expect(rows[0].n).toBe(5);
    }, 15_000, 100);
    await Promise.all([scheduler.fireDue(), scheduler.fireDue()]);
    for (const id of ids) {
      expect((await typesLogged(id)).filter((type) => type === 'orders.OrderRejected')).toHaveLength(1);
      expect((await typesLogged(id)).filter((type) => type === 'inventory.ReleaseStock')).toHaveLength(1);
    }
  });

  it('applies a reply once: a redelivery (same id) is skipped and a repeated answer (new id) changes nothing', async () => {
    const id = await placeOrder(await priced(300));
    const reserved = reply('inventory.StockReserved', id);
    expect(await deliver(reserved)).toBe(true);
    expect(await deliver(reserved)).toBe(false);
    expect(await deliver(reply('inventory.StockReserved', id))).toBe(true);
    expect(await typesLogged(id)).toEqual(['orders.OrderPlaced', 'inventory.ReserveStock', 'organizations.ReserveCredit']);
    expect(await saga(id)).toMatchObject({ step: 'RESERVING', version: 2, state: { stock: 'RESERVED', credit: 'PENDING' } });
    await deliver(reply('organizations.CreditReserved', id));
    expect(await order(id)).toMatchObject({ status: 'APPROVED' });
    expect(await saga(id)).toMatchObject({ status: 'COMPLETED', deadline: null });
  });

  it('rejects with the participant reason and releases the stock when the credit is refused', async () => {
    const id = await placeOrder(await priced(300));
    await deliver(reply('inventory.StockReserved', id));
    await deliver(reply('organizations.CreditReservationRejected', id, { reason: 'CUSTOMER_NOT_ELIGIBLE' }));
    expect(await order(id)).toMatchObject({ status: 'REJECTED', rejectionReason: 'CUSTOMER_NOT_ELIGIBLE' });
    expect((await typesLogged(id)).slice(-2)).toEqual(['orders.OrderRejected', 'inventory.ReleaseStock']);
  });

  it('rejects with the inventory reason and releases the credit still unanswered when the stock is refused; a later credit refusal changes nothing', async () => {
    const id = await placeOrder(await priced(300));
    await deliver(reply('inventory.StockReservationRejected', id, { reason: 'OUT_OF_STOCK' }));
    expect(await order(id)).toMatchObject({ status: 'REJECTED', rejectionReason: 'OUT_OF_STOCK' });
    expect((await logged(id)).slice(-2)).toEqual([
      { type: 'orders.OrderRejected', stream: 'orders-events', partition_key: id },
      { type: 'organizations.ReleaseCredit', stream: 'organizations-commands', partition_key: id },
    ]);
    // The organization refuses too (the ReserveCredit was already on its way): the first reason stands.
    await deliver(reply('organizations.CreditReservationRejected', id, { reason: 'CREDIT_LIMIT_EXCEEDED' }));
    expect(await order(id)).toMatchObject({ status: 'REJECTED', rejectionReason: 'OUT_OF_STOCK' });
    expect(await typesLogged(id)).toHaveLength(5);
    await deliver(reply('organizations.CreditReleased', id));
    expect(await saga(id)).toMatchObject({ status: 'COMPENSATED', step: 'REJECTED', state: { stock: 'REJECTED', credit: 'RELEASED' } });
  });

  it('applies the stock and credit answers of one saga read at the same moment one after the other, with no version conflict', async () => {
    const id = await placeOrder(await priced(300));
    // Hold the saga row, so that both answers are in flight together when it is let go.
    const holder = await db.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT 1 FROM orders.saga_instances WHERE id = $1 FOR UPDATE', [id]);
      const answers = ['inventory.StockReserved', 'organizations.CreditReserved'].map((type) => {
        const event = reply(type, id);
        // Once, as the consumer's first attempt: a version conflict here would cost a retry after a backoff.
        return uow.runOnce('orders.place-order-saga', event, (tx) => replies.handle(event, tx));
      });
      await eventually('both answers wait on the saga row', async () => {
        const { rows } = await db.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`);
        expect(rows[0].n).toBe(2);
      }, 10_000, 20);
      await holder.query('COMMIT');
      expect(await Promise.allSettled(answers)).toEqual([{ status: 'fulfilled', value: true }, { status: 'fulfilled', value: true }]);
    } finally {
      holder.release();
    }
    expect(await order(id)).toMatchObject({ status: 'APPROVED' });
    expect(await saga(id)).toMatchObject({ status: 'COMPLETED', step: 'APPROVED', version: 3 });
  });

  it('finishes a saga row the sequential version wrote (RESERVING_STOCK, credit never asked): the credit is asked after the stock', async () => {
    const id = await placeOrder(await priced(300));
    await db.query(
      `UPDATE orders.saga_instances SET step = 'RESERVING_STOCK', state = state || '{"step":"RESERVING_STOCK","credit":"IDLE"}'::jsonb WHERE id = $1`,
      [id],
    );
    const before = (await typesLogged(id)).length;
    await deliver(reply('inventory.StockReserved', id));
    expect((await logged(id)).slice(before)).toEqual([{ type: 'organizations.ReserveCredit', stream: 'organizations-commands', partition_key: id }]);
    expect(await saga(id)).toMatchObject({ status: 'RUNNING', step: 'RESERVING_CREDIT', state: { stock: 'RESERVED', credit: 'PENDING' } });
    await deliver(reply('organizations.CreditReserved', id));
    expect(await order(id)).toMatchObject({ status: 'APPROVED' });
    expect(await saga(id)).toMatchObject({ status: 'COMPLETED', step: 'APPROVED', deadline: null });
  });

  it('serialises a cancellation and a reply that race on one saga through its version: both apply, one after the other', async () => {
    const id = await placeOrder(await priced(300));
    const [cancel] = await Promise.all([t.request('POST', `/orders/${id}/cancel`), deliver(reply('inventory.StockReserved', id))]);
    expect(cancel.status).toBe(202);
    expect(await order(id)).toMatchObject({ status: 'CANCELLING' });
    const types = await typesLogged(id);
    expect(types.filter((type) => type === 'inventory.ReleaseStock')).toHaveLength(1);
    expect(types.filter((type) => type === 'organizations.ReleaseCredit')).toHaveLength(1);
    expect(types.filter((type) => type === 'orders.OrderCancellationRequested')).toHaveLength(1);
    // Whichever came first, the saga saw both: it is cancelling, holds nothing it will not release, never approves.
    expect(await saga(id)).toMatchObject({ status: 'COMPENSATING', step: 'CANCELLING', state: { stock: 'RELEASING', credit: 'RELEASING' } });
    expect(types).not.toContain('orders.OrderApproved');
    await deliver(reply('inventory.StockReleased', id));
    await deliver(reply('organizations.CreditReleased', id));
    expect(await order(id)).toMatchObject({ status: 'CANCELLED' });
    expect((await typesLogged(id)).at(-1)).toBe('orders.OrderCancelled');
  });

  it('ignores an answer about an order it never placed, and parks (throws on) an answer it cannot read', async () => {
    expect(await deliver(reply('inventory.StockReserved', randomUUID()))).toBe(true);
    const unreadable = message('inventory', 'inventory.StockReservationRejected', 'x', { orderId: randomUUID(), reason: 'WHATEVER' });
    await expect(deliver(unreadable)).rejects.toThrow(/not an answer/);
    await expect(deliver(reply('inventory.StockReserved', 'not-an-order-id'))).rejects.toThrow(/carries no orderId/);
  });

  it('keeps the last price of a product and applies each product event once', async () => {
    const sku = await priced(100);
    const changed = message('inventory', 'inventory.ProductPriceChanged', sku, { sku, priceCents: 250 });
    expect(await uow.runOnce('orders.product-prices', changed, (tx) => prices.handle(changed, tx))).toBe(true);
    expect(await uow.runOnce('orders.product-prices', changed, (tx) => prices.handle(changed, tx))).toBe(false);
    expect((await db.query('SELECT price_cents::int AS p, last_event_id FROM orders.product_prices WHERE sku = $1', [sku])).rows[0]).toEqual({ p: 250, last_event_id: changed.id });
    expect(await order(await placeOrder(sku, 2))).toMatchObject({ totalCents: 500 });
  });
});
