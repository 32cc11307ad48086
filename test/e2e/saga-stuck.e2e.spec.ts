import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { eventually } from '@eda/platform/testing';
import { MAX_RELEASE_RESENDS } from '../../libs/orders/src/application/sagas/place-order/place-order.saga';
import { aPricedProduct } from '../support/mothers';
import { streamContractProblems } from '../support/stream-contract';
import { startTestApp, TestApp } from '../support/test-app';

const SAGA_HANDLER = 'orders.place-order-saga';

/**
 * A compensation whose answers are parked as dead letters (ADR 0010): the orders context cannot apply the
 * participant's StockReleased, so it is parked, and so is the answer to every re-sent ReleaseStock (same key,
 * the order id). The saga re-sends a bounded number of times, then is STUCK — visible, counted, silent — and
 * an operator retrying the parked answer ends it.
 */
describe('a saga whose release answers are parked (whole app over the stream)', () => {
  let t: TestApp;
  let db: Pool;
  // Short, for the re-send loop to run in seconds; long enough that a loaded machine still answers the credit first.
  const TIMEOUT_SECONDS = 2;

  beforeAll(async () => {
    t = await startTestApp({
      SAGA_TIMEOUT_SECONDS: String(TIMEOUT_SECONDS),
      CONSUMER_MAX_ATTEMPTS: '2',
      CONSUMER_RETRY_BASE_MS: '20',
      CONSUMER_IDLE_POLL_MAX_MS: '200',
      DATABASE_POOL_SIZE: '5',
    });
    db = t.sql;
  });
  afterAll(async () => {
    await t.close();
  });

  /**
   * The test's failing condition, made with the database owner's rights and no hook in the app: the orders
   * context fails (throws) whenever it would record this organization's order's stock as released.
   */
  const refuseStockReleasedFor = async (organizationId: string) => {
    await db.query(`
      CREATE FUNCTION orders.test_refuse_stock_released() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'test: the orders context cannot apply this StockReleased'; END $$`);
    await db.query(`
      CREATE TRIGGER test_refuse_stock_released BEFORE UPDATE ON orders.saga_instances FOR EACH ROW
      WHEN (NEW.state->>'organizationId' = '${organizationId}' AND NEW.state->>'stock' = 'RELEASED')
      EXECUTE FUNCTION orders.test_refuse_stock_released()`);
  };
  const releasesSent = async (orderId: string) =>
    (await db.query(`SELECT count(*)::int AS n FROM orders.event_log WHERE subject = $1 AND type = 'inventory.ReleaseStock'`, [orderId])).rows[0].n as number;
  const parkedAnswers = async (orderId: string) => {
    const { status, body } = await t.request('GET', `/ops/dead-letters?handler=${encodeURIComponent(SAGA_HANDLER)}&limit=500`);
    expect(status).toBe(200);
    return (body.items as Array<{ id: string; partitionKey: string; type: string }>).filter((d) => d.partitionKey === orderId);
  };
  const sagaOf = async (orderId: string, status: string) =>
    ((await t.request('GET', `/ops/sagas?status=${status}`)).body as Array<{ id: string; step: string; deadline: string | null; state: Record<string, unknown> }>).find(
      (s) => s.id === orderId,
    );

  it('re-sends the release a bounded number of times, then is STUCK with nothing growing; a retried answer ends it', async () => {
    const sku = await aPricedProduct(t, 100, 5);
    // An organization nobody created: the credit is refused (CUSTOMER_NOT_ELIGIBLE), the stock — reserved or about to be — released.
    const organizationId = randomUUID();
    await refuseStockReleasedFor(organizationId);
    const placed = await t.request('POST', '/orders', { userId: randomUUID(), organizationId, items: [{ sku, quantity: 2 }] });
    expect(placed.status).toBe(202);
    const orderId = placed.body.id as string;

    const stuck = await eventually('the saga gives up re-sending and is STUCK', async () => {
      const saga = await sagaOf(orderId, 'STUCK');
      expect(saga).toBeDefined();
      return saga!;
    }, 60_000, 200);
    expect(stuck).toMatchObject({ step: 'REJECTING_STUCK', deadline: null, state: { stock: 'RELEASING', releaseResends: MAX_RELEASE_RESENDS } });
    expect((await t.request('GET', `/orders/${orderId}`)).body).toMatchObject({ status: 'REJECTED', rejectionReason: 'CUSTOMER_NOT_ELIGIBLE' });
    expect(await releasesSent(orderId)).toBe(1 + MAX_RELEASE_RESENDS);
    await eventually('every answer is parked: the first after its attempts, the others behind it', async () => {
      expect((await parkedAnswers(orderId)).map((d) => d.type)).toEqual(Array(1 + MAX_RELEASE_RESENDS).fill('inventory.StockReleased'));
    }, 30_000, 200);
    await eventually('the sagas gauge counts it', async () => {
      expect((await t.request('GET', '/metrics')).body).toMatch(/eda_sagas\{status="STUCK"\} 1\b/);
    }, 15_000, 250);

    // Nothing grows any more: over several former deadline periods no release is sent and nothing is parked.
    await new Promise((resolve) => setTimeout(resolve, 3 * TIMEOUT_SECONDS * 1000 + 500)); // absence cannot be probed
    expect(await releasesSent(orderId)).toBe(1 + MAX_RELEASE_RESENDS);
    expect(await parkedAnswers(orderId)).toHaveLength(1 + MAX_RELEASE_RESENDS);
    expect(await sagaOf(orderId, 'STUCK')).toMatchObject({ step: 'REJECTING_STUCK', deadline: null });

    // The operator fixes the cause and retries the first parked answer: the key's letters drain in order and the saga ends.
    await db.query(`DROP TRIGGER test_refuse_stock_released ON orders.saga_instances`);
    const [first] = await parkedAnswers(orderId);
    expect((await t.request('POST', `/ops/dead-letters/${first.id}/retry`)).status).toBe(202);
    await eventually('the saga ends COMPENSATED and no answer stays parked', async () => {
      expect(await sagaOf(orderId, 'COMPENSATED')).toMatchObject({ step: 'REJECTED', deadline: null, state: { stock: 'RELEASED' } });
      expect(await parkedAnswers(orderId)).toEqual([]);
    }, 30_000, 200);
    expect((await t.request('GET', `/products/${sku}`)).body).toMatchObject({ onHand: 5, reserved: 0, available: 5 });
    expect(await releasesSent(orderId)).toBe(1 + MAX_RELEASE_RESENDS);
    expect((await t.request('GET', `/orders/${orderId}`)).body.history.map((h: { step: string }) => h.step)).toEqual([
      'RESERVING', 'REJECTING', 'REJECTING_STUCK', 'REJECTED',
    ]);
  });

  it('put only records that match the AsyncAPI document on the streams (docs/adr/0020-asyncapi-contract.md)', async () => {
    expect(await streamContractProblems(t)).toEqual([]);
  });
});
