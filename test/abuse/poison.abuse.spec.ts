import { randomUUID } from 'node:crypto';
import { PutRecordCommand } from '@aws-sdk/client-kinesis';
import { ProducerKeyStore } from '@eda/platform';
import { eventually, readStream, testKinesisClient } from '@eda/platform/testing';
import { MAX_RELEASE_RESENDS } from '../../libs/orders/src/application/sagas/place-order/place-order.saga';
import { aCustomer, aPricedProduct } from '../support/mothers';
import { startTestApp, TestApp } from '../support/test-app';

/**
 * The poison suite (`npm run test:abuse`): what a hostile or careless producer can send, one kind after another,
 * against one running app (relay and consumers on). After each, the bus must still work for everybody else: an
 * ordinary order is approved within seconds and the relay has nothing left unpublished.
 */
/** One app with its relay and consumers, a producer key and a customer who can order. */
function poisonHarness(env: Record<string, string>) {
  const h = {} as {
    t: TestApp;
    key: string;
    source: string;
    customer: { userId: string; organizationId: string; sku: string };
    kinesis: ReturnType<typeof testKinesisClient>;
  };
  beforeAll(async () => {
    h.kinesis = testKinesisClient();
    h.t = await startTestApp({
      DATABASE_POOL_SIZE: '6',
      // The hot-key writers below are one producer; the per-key limit is tested in the e2e suite.
      EVENTS_RATE_LIMIT_PER_SECOND: '100000',
      CONSUMER_MAX_ATTEMPTS: '2',
      CONSUMER_RETRY_BASE_MS: '20',
      ...env,
    });
    h.source = `hostile-${randomUUID().slice(0, 8)}`;
    h.key = (await h.t.app.get(ProducerKeyStore).issue([h.source], 'poison suite', ['publish', 'read'])).key;
    h.customer = await prepareCustomer(h.t);
  });
  afterAll(async () => {
    h.kinesis?.destroy();
    await h.t?.close();
  });
  return h;
}

async function prepareCustomer(t: TestApp): Promise<{ userId: string; organizationId: string; sku: string }> {
  const { user, org } = await aCustomer(t, 100_000_000);
  return { userId: user.id, organizationId: org.id, sku: await aPricedProduct(t, 100, 100_000) };
}

/** "Within seconds": what an ordinary order may take on a busy 2-core machine (it takes well under one). */
const WITHIN_SECONDS = 15_000;

/** What every scenario ends with: the bus still serves everybody else — an ordinary order approved, the relay drained. */
function busChecks(h: ReturnType<typeof poisonHarness>) {
  const placeOrder = async () => {
    const res = await h.t.request('POST', '/orders', { userId: h.customer.userId, organizationId: h.customer.organizationId, items: [{ sku: h.customer.sku, quantity: 1 }] });
    expect(res.status).toBe(202);
    return res.body.id as string;
  };
  const approved = (orderId: string) =>
    eventually(`order ${orderId} is approved`, async () => expect((await h.t.request('GET', `/orders/${orderId}`)).body.status).toBe('APPROVED'), WITHIN_SECONDS, 50);
  const relayDrained = () =>
    eventually('the relay has nothing pending', async () => expect((await h.t.request('GET', '/ops/relay')).body.pending).toBe(0), WITHIN_SECONDS, 100);
  const expectBusStillWorks = async () => {
    await approved(await placeOrder());
    await relayDrained();
  };
  return { placeOrder, approved, relayDrained, expectBusStillWorks };
}

describe('poison suite: no producer stops the bus', () => {
  const h = poisonHarness({});
  const { placeOrder, approved, relayDrained, expectBusStillWorks } = busChecks(h);
  const post = (body: unknown, headers: Record<string, string> = {}) => h.t.request('POST', '/events', body, { authorization: `Bearer ${h.key}`, ...headers });
  const event = (overrides: Record<string, unknown> = {}) => ({
    specversion: '1.0',
    id: randomUUID(),
    source: h.source,
    type: 'com.hostile.Thing',
    subject: `thing-${randomUUID().slice(0, 8)}`,
    data: { n: 1 },
    ...overrides,
  });
  const storedOfSource = async () => (await h.t.sql.query('SELECT count(*)::int AS n FROM platform.event_log WHERE source = $1', [h.source])).rows[0].n as number;

  /** Runs requests `concurrency` at a time; every answer is a 4xx problem+json (never 2xx, never 5xx). */
  async function expectAllRefused(requests: Array<() => ReturnType<typeof post>>, concurrency = 16): Promise<Map<number, number>> {
    const statuses = new Map<number, number>();
    const wrong: string[] = [];
    for (let i = 0; i < requests.length; i += concurrency) {
      const answers = await Promise.all(requests.slice(i, i + concurrency).map((r) => r()));
      answers.forEach((res, j) => {
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        if (res.status < 400 || res.status >= 500 || !String(res.headers['content-type']).includes('application/problem+json')) {
          wrong.push(`request ${i + j}: ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
        }
      });
    }
    expect(wrong).toEqual([]);
    return statuses;
  }

  it('inflating bodies: what Kinesis would refuse, or PostgreSQL cannot store, is refused up front and stores nothing', async () => {
    const before = await storedOfSource();
    // 42 KB as sent, 1.87 MB as stored (jsonb prints every digit): over Kinesis' 1 MiB record limit.
    const inflating = await post(event({ data: Array.from({ length: 6_000 }, () => 1e308) }));
    expect(inflating.status).toBe(413);
    expect(inflating.body).toMatchObject({ status: 413, code: 'EVENT_LOG.EVENT_TOO_LARGE' });
    const raw = (body: string) => () => post(body);
    const statuses = await expectAllRefused([
      () => post(event({ data: Array.from({ length: 6_000 }, () => -1e-300) })),
      () => post(event({ data: { text: 'x'.repeat(1_200_000) } })),
      () => post(event({ data_base64: Buffer.alloc(900_000, 7).toString('base64'), data: undefined, datacontenttype: 'application/octet-stream' })),
      () => post(event({ [`x${'a'.repeat(20)}`]: 'y'.repeat(1_000_000) })),
      // NUL and a lone surrogate: valid JSON text, refused by jsonb.
      raw(JSON.stringify(event({ data: { text: 'a' } })).replace('"a"', '"a\\u0000b"')),
      raw(JSON.stringify(event({ data: { text: 'a' } })).replace('"a"', '"\\ud800"')),
      // Nesting deeper than anyone needs.
      raw(JSON.stringify(event({ data: 'HOLE' })).replace('"HOLE"', '['.repeat(20_000) + ']'.repeat(20_000))),
    ], 4);
    expect(statuses.get(413)).toBeGreaterThanOrEqual(3);
    expect(await storedOfSource()).toBe(before);
    await expectBusStillWorks();
  });

  it('inflating bodies among honest ones at the same instant: each is refused alone, and every honest event is stored', async () => {
    // Concurrent POSTs share INSERT statements (group commit): an event only the table's CHECK can refuse fails its
    // whole batch, whose events must then be answered one by one, each as it would have been alone.
    const refusedBatches = async () => {
      const text = (await h.t.request('GET', '/metrics')).body as string;
      return Number(/^eda_ingress_insert_batches_refused_total (\S+)$/m.exec(text)?.[1] ?? 0);
    };
    const before = await storedOfSource();
    const refusedBefore = await refusedBatches();
    const honest = Array.from({ length: 120 }, (_, i) => event({ subject: `honest-${i % 5}`, data: { i } }));
    const inflating = Array.from({ length: 30 }, () => event({ data: Array.from({ length: 6_000 }, () => 1e308) }));
    const mixed = honest.map((e, i) => [e, ...(i % 4 === 0 ? [inflating[i / 4]] : [])]).flat();

    const answers = await Promise.all(mixed.map((e) => post(e)));

    const statusOf = new Map(mixed.map((e, i) => [e.id, answers[i].status]));
    expect(honest.filter((e) => statusOf.get(e.id) !== 201)).toEqual([]);
    expect(inflating.map((e) => statusOf.get(e.id))).toEqual(inflating.map(() => 413));
    expect(await storedOfSource()).toBe(before + honest.length);
    const { rows } = await h.t.sql.query('SELECT id FROM platform.event_log WHERE id = ANY($1)', [inflating.map((e) => e.id)]);
    expect(rows).toEqual([]);
    // They did share statements: some batch was refused as a whole and answered row by row.
    expect(await refusedBatches()).toBeGreaterThan(refusedBefore);
    await expectBusStillWorks();
  });

  it('a hot key: 3,000 events on one subject from 8 writers are published in commit order while an ordinary order goes through', async () => {
    const hot = `hot-${randomUUID().slice(0, 8)}`;
    const writers = Array.from({ length: 8 }, async (_, w) => {
      for (let i = 0; i < 375; i++) {
        const res = await post(event({ subject: hot, data: { w, i } }));
        if (res.status !== 201) throw new Error(`hot event refused: ${res.status} ${JSON.stringify(res.body)}`);
      }
    });
    // While the hot key's backlog is queued, an order (other keys, other streams) is not held behind it.
    const during = (async () => {
      await new Promise((r) => setTimeout(r, 500));
      await approved(await placeOrder());
    })();
    await Promise.all([...writers, during]);
    await relayDrained();
    const committed = (await h.t.sql.query(
      `SELECT id FROM platform.event_log WHERE source = $1 AND partition_key = $2 ORDER BY position`, [h.source, hot])).rows.map((r) => r.id as string);
    expect(committed).toHaveLength(3_000);
    const published = (await readStream(h.kinesis, `${h.t.streamPrefix}platform-events`)).filter((e) => e.subject === hot).map((e) => e.id);
    expect([...new Set(published)]).toEqual(committed);
    await expectBusStillWorks();
  });

  it('forged types: nobody publishes in the app\'s own namespaces, and GET /events never shows a forgery', async () => {
    const orderId = await placeOrder();
    await approved(orderId);
    const before = await storedOfSource();
    const forged = ['orders.OrderApproved', 'orders.OrderRejected', 'ORDERS.OrderApproved', 'inventory.StockReserved', 'organizations.CreditReserved', 'users.UserRegistered', 'platform.Anything'];
    for (const type of forged) {
      const res = await post(event({ type, subject: orderId, data: { orderId } }));
      expect([type, res.status, res.body.code]).toEqual([type, 403, 'EVENT_LOG.TYPE_FORBIDDEN']);
    }
    // Nor under one of the app's own sources.
    const asOwn = await post(event({ source: 'orders', type: 'com.hostile.Thing' }));
    expect(asOwn.status).toBe(403);
    expect(await storedOfSource()).toBe(before);
    const listed = await h.t.request('GET', `/events?type=orders.OrderApproved&limit=500`, undefined, { authorization: `Bearer ${h.key}` });
    expect(listed.status).toBe(200);
    const approvals = (listed.body.items as Array<{ source: string; subject: string }>).filter((e) => e.subject === orderId);
    expect(approvals).toHaveLength(1);
    expect(approvals[0].source).not.toBe(h.source);
    expect((await h.t.request('GET', `/orders/${orderId}`)).body.status).toBe('APPROVED');
    await expectBusStillWorks();
  });

  it('a flood of bad keys: unknown, malformed and wrong-scope credentials, and partition keys nobody can use, change nothing', async () => {
    const readOnly = (await h.t.app.get(ProducerKeyStore).issue([h.source], 'read only', ['read'])).key;
    const before = await storedOfSource();
    const requests: Array<() => ReturnType<typeof post>> = [];
    for (let i = 0; i < 150; i++) {
      requests.push(() => post(event(), { authorization: `Bearer eda_pk_${randomUUID().replace(/-/g, '')}${randomUUID().replace(/-/g, '').slice(0, 11)}` }));
      requests.push(() => post(event(), { authorization: `Bearer ${'x'.repeat(i * 50 + 1)}` }));
      requests.push(() => post(event(), { authorization: `Bearer ${readOnly}` }));
      requests.push(() => post(event({ source: `someone-else-${i}` })));
    }
    for (const subject of ['', 'k'.repeat(257), 'ключ'.repeat(65)]) requests.push(() => post(event({ subject, partitionkey: subject })));
    requests.push(() => post(event({ partitionkey: 42 })));
    const statuses = await expectAllRefused(requests);
    expect(statuses.get(401)).toBeGreaterThanOrEqual(300);
    expect(statuses.get(403)).toBeGreaterThanOrEqual(300);
    expect(await storedOfSource()).toBe(before);

    // Many distinct good partition keys are fine, and /metrics does not grow a series per key or type.
    const metricsLines = async () => ((await h.t.request('GET', '/metrics')).body as string).split('\n').length;
    const linesBefore = await metricsLines();
    const many = Array.from({ length: 600 }, (_, i) => () => post(event({ subject: `many-${i}-${randomUUID()}`, type: `com.hostile.Type${i}` })));
    for (let i = 0; i < many.length; i += 16) {
      for (const res of await Promise.all(many.slice(i, i + 16).map((r) => r()))) expect(res.status).toBe(201);
    }
    await relayDrained();
    expect(await metricsLines()).toBeLessThan(linesBefore + 50);
    await expectBusStillWorks();
  });

  it('malformed CloudEvents in bulk: every one a 4xx problem+json, nothing stored', async () => {
    const before = await storedOfSource();
    const malformed: unknown[] = [
      [event(), event()],
      event({ specversion: '0.3' }),
      event({ specversion: 1 }),
      event({ id: '' }),
      event({ id: 7 }),
      event({ id: 'i'.repeat(10_000) }),
      event({ type: '' }),
      event({ type: null }),
      event({ source: '' }),
      event({ time: 'yesterday' }),
      event({ time: '2024-02-30T25:61:00Z' }),
      event({ datacontenttype: 'application/json', data: undefined, data_base64: '!!!not base64!!!' }),
      event({ data_base64: 'AAAA' }),
      event({ traceparent: '00-zz-yy-01' }),
      event({ UPPERCASE: 'not a valid attribute name' }),
      event({ 'with-dash': 1 }),
      { ...event(), specversion: undefined },
      { ...event(), id: undefined },
      { ...event(), source: undefined },
      { ...event(), type: undefined },
      'null',
      '"a string"',
      '{"specversion": "1.0", "id": ',
      '{"__proto__": {"admin": true}, "specversion": "1.0"}',
    ];
    const requests = Array.from({ length: 20 }, () => malformed.map((body) => () => post(body))).flat();
    const statuses = await expectAllRefused(requests);
    expect([...statuses.keys()].every((s) => s >= 400 && s < 500)).toBe(true);
    expect(await storedOfSource()).toBe(before);
    await expectBusStillWorks();
  });
});

/** A saga whose reply is parked must end by its deadlines: this app's saga deadline is short. */
describe('poison suite: a parked saga reply', () => {
  const h = poisonHarness({ SAGA_TIMEOUT_SECONDS: '5' });
  const { placeOrder, expectBusStillWorks } = busChecks(h);

  it('a parked saga reply: a reply the saga cannot apply is parked, the saga still ends, and nothing re-sends forever', async () => {
    const orderId = await placeOrder();
    // A participant reply the saga cannot read (a reason it does not know), on the order's key, straight onto
    // the stream as a producer with Kinesis rights would put it: retried, then parked, and the key's later
    // replies are parked behind it.
    await h.kinesis.send(new PutRecordCommand({
      StreamName: `${h.t.streamPrefix}inventory-events`,
      PartitionKey: orderId,
      Data: Buffer.from(JSON.stringify({
        specversion: '1.0', id: randomUUID(), source: 'inventory', type: 'inventory.StockReservationRejected', subject: orderId,
        time: new Date().toISOString(), datacontenttype: 'application/json', data: { orderId, reason: 'BECAUSE', skus: [] },
      })),
    }));
    // The saga ends (it times out and compensates, and is STUCK once its release answers are parked too; or,
    // had the real reply come first, it completed) and stops sending.
    const ended = await eventually('the saga ends', async () => {
      const saga = ((await h.t.request('GET', '/ops/sagas?limit=500')).body as Array<{ id: string; status: string }>).find((s) => s.id === orderId);
      expect(saga?.status).toMatch(/^(COMPLETED|FAILED|STUCK)$/);
      return saga!.status;
    }, 60_000, 200);
    const releases = async () => (await h.t.sql.query(`SELECT count(*)::int AS n FROM orders.event_log WHERE subject = $1 AND type LIKE '%.Release%'`, [orderId])).rows[0].n as number;
    const sent = await releases();
    expect(sent).toBeLessThanOrEqual(2 * (MAX_RELEASE_RESENDS + 1));
    // Several deadlines later nothing more was sent: the saga is over.
    await new Promise((r) => setTimeout(r, 5_000));
    expect(await releases()).toBe(sent);
    expect(['COMPLETED', 'COMPENSATED', 'STUCK']).toContain(ended);
    const letters = (await h.t.request('GET', `/ops/dead-letters?limit=500`)).body.items as Array<{ partitionKey: string; type: string }>;
    expect(letters.filter((d) => d.partitionKey === orderId).map((d) => d.type)).toContain('inventory.StockReservationRejected');
    await expectBusStillWorks();
  });
});
