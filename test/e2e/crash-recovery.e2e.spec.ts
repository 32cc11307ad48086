import { randomUUID } from 'node:crypto';
import { freePort } from '@eda/platform/runtime';
import { eventually, testKinesisEndpoint, uniqueName } from '@eda/platform/testing';
import { AppProcess, JsonResponse, useAppProcesses } from '../support/app-process';
import { aMembership, anOrganization, aProduct, aUser } from '../support/mothers';

/**
 * docs/contract.md §5.3 and §5.5 with real processes: one `api` process and two `relay,consumer` workers of the built
 * app share a database and a Kinesis engine. Many orders compete for scarce stock and credit while workers and
 * the api are SIGKILLed mid-flight; replacements start, and every saga must still end, with the stock and
 * credit reservations matching exactly the orders that ended APPROVED, and never over the limits meanwhile.
 */
describe('crash recovery: processes SIGKILLed while order sagas run', () => {
  const FINAL = ['APPROVED', 'REJECTED', 'CANCELLED'];
  const CREDIT_LIMIT = 45_000;
  const PRODUCTS = [
    { key: 'scarceA', priceCents: 1_000, initialStock: 8 },
    { key: 'scarceB', priceCents: 1_500, initialStock: 5 },
    { key: 'plenty', priceCents: 500, initialStock: 1_000 },
  ] as const;
  const ORDERS_PER_PHASE = 30;

  const processes = useAppProcesses((db) => ({
    DATABASE_URL: db.url,
    KINESIS_ENDPOINT: testKinesisEndpoint(),
    STREAM_PREFIX: `${uniqueName('crash')}-`,
    STREAM_SHARDS: '2',
    LOG_LEVEL: 'warn',
    SAGA_TIMEOUT_SECONDS: '20',
    // Five pools per process; three to five processes stay well under a shared server's 100 connections.
    DATABASE_POOL_SIZE: '3',
  }));
  /** The api process requests go to; replaced after it is killed (same port). */
  let api: AppProcess;
  let apiPort: number;
  /** Calls that met a dead api and were sent again. */
  let refusedCalls = 0;

  const startProcess = async (name: string, roles: string, port?: number) =>
    processes.start(name, { ROLES: roles, PORT: String(port ?? (await freePort())) });
  const startWorker = (name: string) => startProcess(name, 'relay,consumer');

  /**
   * Any request may meet a dead api: a connection error is retried, against the replacement once it listens
   * (same port). An answer is checked once: a wrong status is a failure, never retried away.
   */
  const call = async (what: string, method: string, path: string, accept: (r: JsonResponse) => void, body?: unknown, headers?: Record<string, string>) => {
    const res = await eventually(`${what} (the api answers)`, () =>
      api.request(method, path, body, headers).catch((error: unknown) => {
        refusedCalls++;
        throw error;
      }), 90_000, 200);
    accept(res);
    return res.body;
  };

  const finalCount = async (ids: string[]) => {
    const { rows } = await processes.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM orders.orders WHERE id = ANY($1) AND status = ANY($2)`, [ids, FINAL]);
    return rows[0].n;
  };

  it('ends every saga and keeps reservations equal to the approved orders, within stock and credit, across SIGKILLs of workers and the api', async () => {
    const { sql } = processes;
    apiPort = await freePort();
    api = await startProcess('api-1', 'api', apiPort);
    await api.ready();
    let workers = [await startWorker('worker-1'), await startWorker('worker-2')];
    await Promise.all(workers.map((w) => w.ready()));

    // --- the customers, the organization and the scarce products, all over REST (the api is up: nothing is killed yet)
    const app = { request: (method: string, path: string, body?: unknown) => api.request(method, path, body), sql };
    const members = await Promise.all(Array.from({ length: 6 }, () => aUser(app)));
    const outsider = await aUser(app);
    const org = await anOrganization(app, CREDIT_LIMIT);
    // The organizations context learns of users from their events over the stream; until then adding answers 422.
    for (const m of members) await aMembership(app, org.id, m.id);
    const sku: Record<string, string> = {};
    for (const p of PRODUCTS) sku[p.key] = await aProduct(app, p.priceCents, p.initialStock, p.key);
    await eventually('the orders context has priced every product', async () => {
      const { rows } = await sql.query('SELECT sku FROM orders.product_prices WHERE sku = ANY($1)', [Object.values(sku)]);
      expect(rows).toHaveLength(PRODUCTS.length);
    }, 60_000, 100);

    // --- the orders: a third compete for A, a third for B, a third ask for plenty; every tenth is by a non-member
    const plans = Array.from({ length: 2 * ORDERS_PER_PHASE }, (_, i) => {
      const items =
        i % 3 === 0 ? [{ sku: sku.scarceA, quantity: 1 + (i % 2) }]
        : i % 3 === 1 ? [{ sku: sku.scarceB, quantity: 1 }, { sku: sku.plenty, quantity: 1 }]
        : [{ sku: sku.plenty, quantity: 2 + (i % 3) }];
      const userId = i % 10 === 9 ? outsider.id : members[i % members.length].id;
      return { key: `crash-${i}-${randomUUID()}`, body: { userId, organizationId: org.id, items } };
    });
    const orderIds: string[] = new Array(plans.length);
    let accepted = 0;
    /** Idempotency-Key makes the retry after a lost answer return the order the dead api may have committed. */
    const place = async (i: number) => {
      const body = await call(`order ${i} is accepted`, 'POST', '/orders', (r) => expect(r.status).toBe(202), plans[i].body, { 'Idempotency-Key': plans[i].key });
      orderIds[i] = body.id;
      accepted++;
    };

    // Promise 5 at every moment, not only at the end: a sampler reads the products and the organization while all this runs.
    const violations: string[] = [];
    let samples = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        try {
          const [org_, ...products] = await Promise.all([
            api.request('GET', `/organizations/${org.id}`),
            ...PRODUCTS.map((p) => api.request('GET', `/products/${sku[p.key]}`)),
          ]);
          if (org_.body.creditReservedCents > org_.body.creditLimitCents) violations.push(`credit ${JSON.stringify(org_.body)}`);
          for (const p of products) if (p.body.reserved > p.body.onHand || p.body.available < 0) violations.push(`stock ${JSON.stringify(p.body)}`);
          samples++;
        } catch {
          // The api is dead for a moment: nothing to sample.
        }
        await new Promise((r) => setTimeout(r, 150));
      }
    })();

    const timings: Record<string, number> = {};
    try {
      // --- phase 1: SIGKILL one worker while the first orders' sagas are in flight
      const phase1 = Array.from({ length: ORDERS_PER_PHASE }, (_, i) => i);
      await Promise.all(phase1.map(place));
      const phase1Ids = phase1.map((i) => orderIds[i]);
      await eventually('some phase-1 order is final', async () => expect(await finalCount(phase1Ids)).toBeGreaterThan(0), 60_000, 20);
      const finalAtKill1 = await finalCount(phase1Ids);
      const kill1 = Date.now();
      await workers[0].kill();
      const worker3 = await startWorker('worker-3');
      workers = [workers[1], worker3];
      await eventually('every phase-1 order is final', async () => expect(await finalCount(phase1Ids)).toBe(phase1Ids.length), 120_000, 100);
      timings.killWorkerToPhase1Final = Date.now() - kill1;
      await worker3.ready();
      expect(finalAtKill1).toBeLessThan(phase1Ids.length);

      // --- phase 2: cancel approved orders and place more, and SIGKILL the api and both workers mid-flight
      const approved1 = (await sql.query<{ id: string }>(`SELECT id FROM orders.orders WHERE id = ANY($1) AND status = 'APPROVED' ORDER BY placed_at LIMIT 3`, [phase1Ids])).rows.map((r) => r.id);
      expect(approved1).toHaveLength(3);
      const cancelling = Promise.all(approved1.map((id) =>
        call(`order ${id} cancellation is accepted`, 'POST', `/orders/${id}/cancel`, (r) => {
          // A retry after a lost 202 may find the cancellation already done.
          if (r.status !== 202) expect(r.body).toMatchObject({ status: 409, code: 'ORDERS.ORDER_ALREADY_CANCELLED' });
        }),
      ));
      // Placed four at a time, so that placements are still being sent when the api dies.
      const phase2 = Array.from({ length: ORDERS_PER_PHASE }, (_, i) => ORDERS_PER_PHASE + i);
      const queue = [...phase2];
      const placing = Promise.all(Array.from({ length: 4 }, async () => {
        for (let i = queue.shift(); i !== undefined; i = queue.shift()) await place(i);
      }));
      // Awaited below, after the kills; a failure meanwhile must not surface as an unhandled rejection.
      for (const pending of [cancelling, placing]) pending.catch(() => undefined);
      await eventually('a third of phase 2 is accepted', () => expect(accepted).toBeGreaterThanOrEqual(ORDERS_PER_PHASE + 10), 60_000, 5);
      const acceptedAtKill2 = accepted - ORDERS_PER_PHASE;
      const kill2 = Date.now();
      await Promise.all([api.kill(), ...workers.map((w) => w.kill())]);
      api = await startProcess('api-2', 'api', apiPort);
      workers = [await startWorker('worker-4'), await startWorker('worker-5')];
      await Promise.all([api.ready(), ...workers.map((w) => w.ready())]);
      timings.killAllToRestarted = Date.now() - kill2;
      // And once more during recovery: a fresh worker dies while it takes leases and the relay catches up.
      await workers[0].kill();
      workers = [workers[1], await startWorker('worker-6')];
      await placing;
      await cancelling;
      await workers[1].ready();
      await eventually('every order is final', async () => expect(await finalCount(orderIds)).toBe(orderIds.length), 120_000, 100);
      timings.killAllToEveryOrderFinal = Date.now() - kill2;
      expect(acceptedAtKill2).toBeLessThan(ORDERS_PER_PHASE);
      expect(refusedCalls).toBeGreaterThan(0);

      // Every order was placed once despite the retried POSTs.
      expect(new Set(orderIds).size).toBe(plans.length);
      expect((await sql.query(`SELECT count(*)::int AS n FROM orders.orders WHERE organization_id = $1`, [org.id])).rows[0].n).toBe(plans.length);

      // --- every order final, seen over REST; the cancelled ones CANCELLED
      const orders = await Promise.all(orderIds.map((id) => call(`order ${id} is read`, 'GET', `/orders/${id}`, (r) => expect(r.status).toBe(200))));
      for (const o of orders) expect(FINAL).toContain(o.status);
      for (const id of approved1) expect(orders.find((o) => o.id === id)).toMatchObject({ status: 'CANCELLED' });
      const byOutsider = orders.filter((o) => o.userId === outsider.id);
      expect(byOutsider.length).toBe(plans.length / 10);
      // Stock and credit (with eligibility) are asked at once, so a non-member may meet OUT_OF_STOCK first;
      // TIMEOUT is a final state too, should a restart on a slow machine outlast SAGA_TIMEOUT_SECONDS.
      for (const o of byOutsider) {
        expect(o.status).toBe('REJECTED');
        expect(['CUSTOMER_NOT_ELIGIBLE', 'OUT_OF_STOCK', 'TIMEOUT']).toContain(o.rejectionReason);
      }
      expect(byOutsider.filter((o) => o.rejectionReason === 'CUSTOMER_NOT_ELIGIBLE').length).toBeGreaterThan(0);
      const approved = orders.filter((o) => o.status === 'APPROVED');
      const competedOut = orders.filter((o) => ['OUT_OF_STOCK', 'CREDIT_LIMIT_EXCEEDED'].includes(o.rejectionReason));
      expect(approved.length).toBeGreaterThan(0);
      expect(competedOut.length).toBeGreaterThan(0);

      // Compensations outlive the REJECTED status (the saga waits for the releases): wait for every saga to end.
      await eventually('no saga is running or compensating', async () => {
        for (const status of ['RUNNING', 'COMPENSATING']) expect((await api.request('GET', `/ops/sagas?status=${status}`)).body).toEqual([]);
      }, 60_000, 200);
      // The orders' own events reached their projection too: the summaries show every order in its final status.
      await eventually('the order summaries show every final status', async () => {
        const { body } = await api.request('GET', `/orders?organizationId=${org.id}&limit=100`);
        const summaries = Object.fromEntries(body.items.map((i: { id: string; status: string }) => [i.id, i.status]));
        expect(summaries).toEqual(Object.fromEntries(orders.map((o) => [o.id, o.status])));
      }, 60_000, 200);
      await eventually('the relay has published everything', async () => expect((await api.request('GET', '/ops/relay')).body).toMatchObject({ pending: 0 }), 60_000, 200);

      // --- promise 5 at the end: reservations are exactly the approved orders', within stock and credit
      for (const p of PRODUCTS) {
        const wanted = approved.flatMap((o) => o.items).filter((item: { sku: string }) => item.sku === sku[p.key]).reduce((n: number, item: { quantity: number }) => n + item.quantity, 0);
        const product = (await api.request('GET', `/products/${sku[p.key]}`)).body;
        expect({ sku: p.key, onHand: product.onHand, reserved: product.reserved }).toEqual({ sku: p.key, onHand: p.initialStock, reserved: wanted });
        expect(product.onHand - product.reserved).toBeGreaterThanOrEqual(0);
      }
      const organization = (await api.request('GET', `/organizations/${org.id}`)).body;
      expect(organization.creditReservedCents).toBe(approved.reduce((sum, o) => sum + o.totalCents, 0));
      expect(organization.creditReservedCents).toBeLessThanOrEqual(CREDIT_LIMIT);
      expect((await api.request('GET', '/ops/dead-letters?limit=500')).body).toEqual({ items: [], nextCursor: null });

      const outcome = (o: { status: string; rejectionReason?: string }) => (o.status === 'REJECTED' ? `REJECTED:${o.rejectionReason}` : o.status);
      const outcomes: Record<string, number> = {};
      for (const o of orders) outcomes[outcome(o)] = (outcomes[outcome(o)] ?? 0) + 1;
      const mode = (await api.request('GET', '/ops/relay')).body.mode;
      process.stdout.write(`crash-recovery (relay ${mode}): ${JSON.stringify({ timings, finalAtKill1, acceptedAtKill2, refusedCalls, outcomes, samples })}\n`);
    } catch (error) {
      // The children's last words explain most failures.
      throw new Error(`${(error as Error).message}\n${processes.started.map((p) => p.tail(15)).join('\n')}`, { cause: error });
    } finally {
      sampling = false;
      await sampler;
    }
    expect(samples).toBeGreaterThan(10);
    expect(violations).toEqual([]);
  }, 240_000);
});
