import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { eventually } from '@eda/platform/testing';
import { streamContractProblems } from '../support/stream-contract';
import { aCustomer, anOrganization, aPricedProduct, aUser } from '../support/mothers';
import { startTestApp, TestApp } from '../support/test-app';

/**
 * Orders through REST and the stream with the whole app (relay and consumer running): the place-order
 * saga drives inventory and organizations over Kinesis and every order reaches a final state.
 */
describe('orders (REST + saga over the stream)', () => {
  let t: TestApp;
  let db: Pool;
  beforeAll(async () => {
    t = await startTestApp({ DATABASE_POOL_SIZE: '5' });
    db = t.sql;
  });
  afterAll(async () => {
    await t.close();
  });

  const SAGA_WAIT = 60_000;

  const place = (body: unknown, headers: Record<string, string> = {}) => t.request('POST', '/orders', body, headers);
  const order = async (id: string) => (await t.request('GET', `/orders/${id}`)).body;
  const settled = (id: string, status: string) =>
    eventually(`order ${id} is ${status}`, async () => {
      const o = await order(id);
      expect(o.status).toBe(status);
      return o;
    }, SAGA_WAIT, 100);
  const product = async (sku: string) => (await t.request('GET', `/products/${sku}`)).body;
  const credit = async (id: string) => (await t.request('GET', `/organizations/${id}`)).body;
  const sagaOf = async (id: string) => (await t.request('GET', '/ops/sagas?limit=500')).body.find((s: { id: string }) => s.id === id);

  it('approves an order of a member within credit: stock and credit stay reserved', async () => {
    const { user, org } = await aCustomer(t, 10_000);
    const sku = await aPricedProduct(t, 1_250, 10);
    const res = await place({ userId: user.id, organizationId: org.id, items: [{ sku, quantity: 3 }] });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ id: expect.any(String), status: 'PENDING' });
    const approved = await settled(res.body.id, 'APPROVED');
    expect(approved).toMatchObject({
      id: res.body.id,
      userId: user.id,
      organizationId: org.id,
      items: [{ sku, quantity: 3, unitPriceCents: 1_250 }],
      totalCents: 3_750,
    });
    expect(approved.rejectionReason).toBeUndefined();
    expect(approved.history.map((h: { step: string }) => h.step)).toEqual(['RESERVING', 'APPROVED']);
    expect(await product(sku)).toMatchObject({ onHand: 10, reserved: 3, available: 7 });
    expect(await credit(org.id)).toMatchObject({ creditReservedCents: 3_750, creditAvailableCents: 6_250 });
    expect(await sagaOf(res.body.id)).toMatchObject({ sagaType: 'place-order', status: 'COMPLETED', step: 'APPROVED', deadline: null });
  });

  it('rejects with OUT_OF_STOCK when stock is short, releasing the credit asked for at the same time: nothing stays reserved', async () => {
    const { user, org } = await aCustomer(t, 100_000);
    const plenty = await aPricedProduct(t, 100, 50);
    const scarce = await aPricedProduct(t, 100, 1);
    const res = await place({ userId: user.id, organizationId: org.id, items: [{ sku: plenty, quantity: 5 }, { sku: scarce, quantity: 2 }] });
    expect(res.status).toBe(202);
    const rejected = await settled(res.body.id, 'REJECTED');
    expect(rejected.rejectionReason).toBe('OUT_OF_STOCK');
    expect(await product(plenty)).toMatchObject({ reserved: 0, available: 50 });
    expect(await product(scarce)).toMatchObject({ reserved: 0, available: 1 });
    // The credit leg ran in parallel (ADR 0016): it may be held until its release is answered, never after.
    await eventually('the credit is released and the saga compensated', async () => {
      expect(await sagaOf(res.body.id)).toMatchObject({ status: 'COMPENSATED', step: 'REJECTED', state: { stock: 'REJECTED', credit: 'RELEASED' } });
      expect(await credit(org.id)).toMatchObject({ creditReservedCents: 0, creditAvailableCents: 100_000 });
    }, SAGA_WAIT, 100);
    expect(rejected.history.map((h: { step: string }) => h.step).slice(0, 2)).toEqual(['RESERVING', 'REJECTING']);
  });

  it('rejects with CREDIT_LIMIT_EXCEEDED and releases the stock it had reserved', async () => {
    const { user, org } = await aCustomer(t, 1_000);
    const sku = await aPricedProduct(t, 600, 10);
    const res = await place({ userId: user.id, organizationId: org.id, items: [{ sku, quantity: 2 }] });
    const rejected = await settled(res.body.id, 'REJECTED');
    expect(rejected.rejectionReason).toBe('CREDIT_LIMIT_EXCEEDED');
    await eventually('the stock is released', async () => expect(await product(sku)).toMatchObject({ reserved: 0, available: 10 }), SAGA_WAIT, 100);
    expect(await credit(org.id)).toMatchObject({ creditReservedCents: 0, creditAvailableCents: 1_000 });
    await eventually('the saga is compensated', async () => expect(await sagaOf(res.body.id)).toMatchObject({ status: 'COMPENSATED', step: 'REJECTED' }), SAGA_WAIT, 100);
  });

  it('rejects with CUSTOMER_NOT_ELIGIBLE when the user is not a member of the organization, releasing the stock', async () => {
    const user = await aUser(t);
    const org = await anOrganization(t, 100_000);
    const sku = await aPricedProduct(t, 100, 5);
    const res = await place({ userId: user.id, organizationId: org.id, items: [{ sku, quantity: 1 }] });
    const rejected = await settled(res.body.id, 'REJECTED');
    expect(rejected.rejectionReason).toBe('CUSTOMER_NOT_ELIGIBLE');
    await eventually('the stock is released', async () => expect(await product(sku)).toMatchObject({ reserved: 0 }), SAGA_WAIT, 100);
  });

  it('rejects with UNKNOWN_PRODUCT an order for a sku nobody sells (202 first, then REJECTED)', async () => {
    const { user, org } = await aCustomer(t, 100_000);
    const sku = await aPricedProduct(t, 100, 5);
    const res = await place({ userId: user.id, organizationId: org.id, items: [{ sku, quantity: 1 }, { sku: 'NO-SUCH-SKU', quantity: 1 }] });
    expect(res.status).toBe(202);
    expect(res.body.status).toBe('PENDING');
    const rejected = await settled(res.body.id, 'REJECTED');
    expect(rejected.rejectionReason).toBe('UNKNOWN_PRODUCT');
    expect(rejected.items).toEqual([{ sku, quantity: 1, unitPriceCents: 100 }, { sku: 'NO-SUCH-SKU', quantity: 1, unitPriceCents: null }]);
    expect(await product(sku)).toMatchObject({ reserved: 0 });
  });

  it('cancels an approved order: CANCELLING (202), then CANCELLED with stock and credit released; a second cancel is 409', async () => {
    const { user, org } = await aCustomer(t, 10_000);
    const sku = await aPricedProduct(t, 500, 10);
    const { body } = await place({ userId: user.id, organizationId: org.id, items: [{ sku, quantity: 4 }] });
    await settled(body.id, 'APPROVED');
    const cancel = await t.request('POST', `/orders/${body.id}/cancel`);
    expect(cancel.status).toBe(202);
    expect(cancel.body).toEqual({ id: body.id, status: 'CANCELLING' });
    const cancelled = await settled(body.id, 'CANCELLED');
    expect(cancelled.history.map((h: { step: string }) => h.step)).toEqual(['RESERVING', 'APPROVED', 'CANCELLING', 'CANCELLED']);
    expect(await product(sku)).toMatchObject({ reserved: 0, available: 10 });
    expect(await credit(org.id)).toMatchObject({ creditReservedCents: 0, creditAvailableCents: 10_000 });
    const again = await t.request('POST', `/orders/${body.id}/cancel`);
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ code: 'ORDERS.ORDER_ALREADY_CANCELLED' });
  });

  it('refuses to cancel a rejected order (409) and answers 404 for an unknown one', async () => {
    const { user, org } = await aCustomer(t, 100);
    const sku = await aPricedProduct(t, 1_000, 10);
    const { body } = await place({ userId: user.id, organizationId: org.id, items: [{ sku, quantity: 1 }] });
    await settled(body.id, 'REJECTED');
    const res = await t.request('POST', `/orders/${body.id}/cancel`);
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ code: 'ORDERS.ORDER_ALREADY_REJECTED' });
    expect((await t.request('POST', `/orders/${randomUUID()}/cancel`)).status).toBe(404);
    expect((await t.request('GET', `/orders/${randomUUID()}`)).status).toBe(404);
  });

  it('answers a repeated Idempotency-Key with the same order, and 409 when the body differs', async () => {
    const { user, org } = await aCustomer(t, 100_000);
    const sku = await aPricedProduct(t, 100, 100);
    const key = `key-${randomUUID()}`;
    const body = { userId: user.id, organizationId: org.id, items: [{ sku, quantity: 1 }] };
    const answers = await Promise.all(Array.from({ length: 4 }, () => place(body, { 'Idempotency-Key': key })));
    expect(answers.map((a) => a.status)).toEqual([202, 202, 202, 202]);
    expect(new Set(answers.map((a) => a.body.id)).size).toBe(1);
    const id = answers[0].body.id;
    await settled(id, 'APPROVED');
    expect(await place(body, { 'Idempotency-Key': key })).toMatchObject({ status: 202, body: { id, status: 'PENDING' } });
    const other = await place({ ...body, items: [{ sku, quantity: 2 }] }, { 'Idempotency-Key': key });
    expect(other.status).toBe(409);
    expect(other.body).toMatchObject({ code: 'ORDERS.IDEMPOTENCY_KEY_CONFLICT' });
    expect((await db.query('SELECT count(*)::int AS n FROM orders.orders WHERE user_id = $1', [user.id])).rows[0].n).toBe(1);
    expect(await product(sku)).toMatchObject({ reserved: 1 });
  });

  it.each([
    ['no items', { items: [] }],
    ['101 items', { items: Array.from({ length: 101 }, (_, i) => ({ sku: `S${i}`, quantity: 1 })) }],
    ['a zero quantity', { items: [{ sku: 'A', quantity: 0 }] }],
    ['a quantity over 10^6', { items: [{ sku: 'A', quantity: 1_000_001 }] }],
    ['a fractional quantity', { items: [{ sku: 'A', quantity: 1.5 }] }],
    ['a quantity given as a string', { items: [{ sku: 'A', quantity: '1' }] }],
    ['a sku that is not a string', { items: [{ sku: 42, quantity: 1 }] }],
    ['a sku given twice', { items: [{ sku: 'A', quantity: 1 }, { sku: 'A', quantity: 1 }] }],
    ['a userId that is not a UUID', { userId: 'ada' }],
    ['a missing organizationId', { organizationId: undefined }],
    ['an unknown field', { note: 'x' }],
  ])('refuses an order with %s (400) and places nothing', async (_what, change) => {
    const before = (await db.query('SELECT count(*)::int AS n FROM orders.orders')).rows[0].n;
    const res = await place({ userId: randomUUID(), organizationId: randomUUID(), items: [{ sku: 'A', quantity: 1 }], ...change });
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect((await db.query('SELECT count(*)::int AS n FROM orders.orders')).rows[0].n).toBe(before);
  });

  it('refuses a malformed Idempotency-Key, an order id that is not a UUID and a forged list cursor (400)', async () => {
    const body = { userId: randomUUID(), organizationId: randomUUID(), items: [{ sku: 'A', quantity: 1 }] };
    expect((await place(body, { 'Idempotency-Key': 'x'.repeat(256) })).status).toBe(400);
    expect((await t.request('GET', '/orders/not-a-uuid')).status).toBe(400);
    expect((await t.request('POST', '/orders/not-a-uuid/cancel')).status).toBe(400);
    expect((await t.request('GET', '/orders?cursor=forged')).status).toBe(400);
    expect((await t.request('GET', '/orders?status=LOST')).status).toBe(400);
    expect((await t.request('GET', '/ops/sagas?status=LOST')).status).toBe(400);
  });

  it('lists a user’s orders newest first with user and organization names, filtered and paged', async () => {
    const { user, org } = await aCustomer(t, 100_000);
    const sku = await aPricedProduct(t, 100, 100);
    const ids: string[] = [];
    for (let i = 1; i <= 3; i++) ids.push((await place({ userId: user.id, organizationId: org.id, items: [{ sku, quantity: i }] })).body.id);
    for (const id of ids) await settled(id, 'APPROVED');
    const first = await eventually('the summaries show every order approved with names', async () => {
      const res = await t.request('GET', `/orders?userId=${user.id}&limit=2`);
      expect(res.status).toBe(200);
      expect(res.body.items.map((i: { id: string }) => i.id)).toEqual([ids[2], ids[1]]);
      expect(res.body.items.every((i: { status: string }) => i.status === 'APPROVED')).toBe(true);
      expect(res.body.items[0]).toEqual({
        id: ids[2],
        userName: `Ada ${user.lastName}`,
        organizationName: org.name,
        totalCents: 300,
        status: 'APPROVED',
        placedAt: expect.any(String),
      });
      return res.body;
    }, SAGA_WAIT, 100);
    const second = await t.request('GET', `/orders?userId=${user.id}&limit=2&cursor=${first.nextCursor}`);
    expect(second.body).toMatchObject({ items: [{ id: ids[0] }], nextCursor: null });
    expect((await t.request('GET', `/orders?organizationId=${org.id}&status=REJECTED`)).body).toEqual({ items: [], nextCursor: null });

    // The read models are rebuilt from the event logs and read the same afterwards.
    for (const projection of ['orders.order-summaries', 'orders.user-names', 'orders.organization-names', 'orders.product-prices']) {
      const rebuilt = await t.request('POST', `/ops/projections/${projection}/rebuild`);
      expect(rebuilt.status).toBe(200);
      expect(rebuilt.body).toEqual({ projection, replayed: expect.any(Number) });
      expect(rebuilt.body.replayed).toBeGreaterThan(0);
    }
    expect((await t.request('GET', `/orders?userId=${user.id}&limit=2`)).body).toEqual(first);
  });

  it('exposes sagas by status on /ops/sagas and in the eda_sagas gauge', async () => {
    const res = await t.request('GET', '/ops/sagas?status=COMPLETED');
    expect(res.status).toBe(200);
    expect(res.body.length).toBeGreaterThan(0);
    expect(res.body.every((s: { status: string }) => s.status === 'COMPLETED')).toBe(true);
    expect(res.body[0]).toMatchObject({ sagaType: 'place-order', context: 'orders', history: expect.any(Array) });
    expect((await t.request('GET', '/ops/sagas?olderThanSeconds=86400')).body).toEqual([]);
    await eventually('the gauge counts completed sagas', async () => {
      const metrics = await t.request('GET', '/metrics');
      expect(metrics.body).toMatch(/eda_sagas\{status="COMPLETED"\} [1-9]/);
    }, SAGA_WAIT, 200);
  });

  it('put only records that match the AsyncAPI document on the streams (docs/adr/0020-asyncapi-contract.md)', async () => {
    expect(await streamContractProblems(t)).toEqual([]);
  });
});
