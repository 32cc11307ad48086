// POST /orders → APPROVED through the whole app: the two bus hops on the saga's critical path (ReserveStock
// and ReserveCredit sent at once, then StockReserved and CreditReserved; ADR 0016) over kinesalite, with the
// app's default settings. Rounds of 50 orders in flight; latency is OrderPlaced → OrderApproved by the order's
// own event times, and POST /orders is timed as the client sees it. Then the same with the API in one process
// and relay,consumer in another, so the relay's wake-ups cross processes through PostgreSQL.
import { Agent, request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { Client } from 'pg';
import { BenchChild, percentile, sleep } from './bench-kit';
import { createDatabase, startBenchInfrastructure } from './bench-infrastructure';
import { report } from './results';
import { freePort } from '@eda/platform/runtime';

const ROUNDS = Number(process.env.BENCH_ORDER_ROUNDS ?? 4);
const IN_FLIGHT = Number(process.env.BENCH_ORDER_IN_FLIGHT ?? 50);
const MAIN = join(__dirname, '..', 'apps', 'api', 'src', 'main.js');
const OPS_TOKEN = 'bench-ops-token-0123456789abcdef';

/** The app as `npm start` builds it, answering requests with the operations token. */
class App extends BenchChild {
  private readonly agent = new Agent({ keepAlive: true });

  constructor(readonly base: string, env: Record<string, string>) {
    super('app', MAIN, { LOG_LEVEL: 'warn', OPS_TOKEN, ...env });
  }

  /**
   * node:http over kept-alive connections, not fetch: fetch cost this process about 1 ms of CPU per request against
   * 0.2 ms, and the 50 answers of a round are read one after another on this one event loop (which also runs
   * kinesalite), so the last order's time carried the client's own work on the 49 others.
   */
  request(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string | number> = { authorization: `Bearer ${OPS_TOKEN}` };
    if (payload !== undefined) Object.assign(headers, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) });
    return new Promise((resolve, reject) => {
      const req = httpRequest(`${this.base}${path}`, { method, headers, agent: this.agent }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('error', reject);
        res.on('end', () => {
          try {
            resolve({ status: res.statusCode ?? 0, body: text && res.headers['content-type']?.includes('json') ? JSON.parse(text) : text });
          } catch (error) {
            reject(error as Error);
          }
        });
      });
      req.on('error', reject);
      req.end(payload);
    });
  }

  override async stop(graceMs?: number): Promise<void> {
    this.agent.destroy();
    await super.stop(graceMs);
  }
}

async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch((error: Error) => {
      if (/rejected/.test(error.message)) throw error;
      return undefined;
    });
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await sleep(20);
  }
}

interface ScenarioResult {
  approvalMs: number[];
  postMs: number[];
  /** placed → StockReserved, placed → CreditReserved, the later answer → OrderApproved. */
  hops: { stock: number[]; credit: number[]; approve: number[] };
}

async function scenario(serverUrl: string, endpoint: string, name: string, split: boolean): Promise<ScenarioResult> {
  const databaseUrl = await createDatabase(serverUrl, `orders_bench_${name}_${process.pid}`);
  const common = { DATABASE_URL: databaseUrl, KINESIS_ENDPOINT: endpoint, STREAM_PREFIX: `ob-${name}-${process.pid}-`, AWS_REGION: 'us-east-1' };
  const apiPort = await freePort();
  const apps: App[] = [];
  try {
    const api = new App(`http://127.0.0.1:${apiPort}`, { ...common, PORT: String(apiPort), ...(split ? { ROLES: 'api', WORKER_ID: 'bench-api' } : { WORKER_ID: 'bench-all' }) });
    apps.push(api);
    await api.ready();
    if (split) {
      const workerPort = await freePort();
      const worker = new App(`http://127.0.0.1:${workerPort}`, { ...common, PORT: String(workerPort), ROLES: 'relay,consumer', WORKER_ID: 'bench-worker' });
      apps.push(worker);
      await worker.ready();
    }
    const db = new Client({ connectionString: databaseUrl });
    await db.connect();
    try {
      const user = (await api.request('POST', '/users', { email: `bench.${name}@example.com`, username: `bench_${name}`, firstName: 'Ben', lastName: 'Chmark' })).body;
      const org = (await api.request('POST', '/organizations', { name: `Bench ${name}`, creditLimitCents: 1_000_000_000 })).body;
      await eventually('the organization knows the user', async () =>
        (await api.request('POST', `/organizations/${org.id}/members`, { userId: user.id, role: 'member' })).status === 201 ? true : undefined);
      const skus = Array.from({ length: 10 }, (_, i) => `BENCH-${name}-${i}`);
      for (const sku of skus) await api.request('POST', '/products', { sku, name: sku, priceCents: 100, initialStock: 1_000_000 });
      await eventually('orders knows every price', async () =>
        (await db.query(`SELECT count(*)::int AS n FROM orders.product_prices WHERE sku = ANY($1)`, [skus])).rows[0].n === skus.length ? true : undefined);

      const place = async (i: number) => {
        const started = performance.now();
        const res = await api.request('POST', '/orders', { userId: user.id, organizationId: org.id, items: [{ sku: skus[i % skus.length], quantity: 1 }] });
        if (res.status !== 202) throw new Error(`POST /orders answered ${res.status}: ${JSON.stringify(res.body)}`);
        return { id: res.body.id as string, ms: performance.now() - started };
      };
      const approved = async (ids: string[]) =>
        eventually(`${ids.length} orders approved`, async () => {
          const { rows } = await db.query(
            `SELECT count(*) FILTER (WHERE type = 'orders.OrderApproved')::int AS approved, count(*) FILTER (WHERE type = 'orders.OrderRejected')::int AS rejected
               FROM orders.event_log WHERE subject = ANY($1)`,
            [ids],
          );
          if (rows[0].rejected > 0) throw new Error(`${rows[0].rejected} orders were rejected`);
          return rows[0].approved === ids.length ? true : undefined;
        });
      // Warm-up: leases taken, connections open, a first order through every hop.
      await approved([(await place(0)).id]);

      const postMs: number[] = [];
      const ids: string[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        const placed = await Promise.all(Array.from({ length: IN_FLIGHT }, (_, i) => place(round * IN_FLIGHT + i)));
        for (const p of placed) postMs.push(p.ms);
        ids.push(...placed.map((p) => p.id));
        await approved(placed.map((p) => p.id));
      }
      const { rows } = await db.query(
        `SELECT p.subject, extract(epoch FROM a.time - p.time) * 1000 AS ms
           FROM orders.event_log p JOIN orders.event_log a ON a.subject = p.subject AND a.type = 'orders.OrderApproved'
          WHERE p.type = 'orders.OrderPlaced' AND p.subject = ANY($1)`,
        [ids],
      );
      if (process.env.BENCH_METRICS) {
        const metrics = (await api.request('GET', '/metrics')).body as string;
        console.log(metrics.split('\n').filter((l) => new RegExp(process.env.BENCH_METRICS!).test(l)).join('\n'));
      }
      // Where the time goes: each participant's answer, and the approval after the later of the two.
      const { rows: hops } = await db.query(
        `WITH placed AS (SELECT subject, time FROM orders.event_log WHERE type = 'orders.OrderPlaced' AND subject = ANY($1)),
              stock AS (SELECT subject, min(time) AS time FROM inventory.event_log WHERE type = 'inventory.StockReserved' AND subject = ANY($1) GROUP BY subject),
              credit AS (SELECT subject, min(time) AS time FROM organizations.event_log WHERE type = 'organizations.CreditReserved' AND subject = ANY($1) GROUP BY subject),
              approved AS (SELECT subject, time FROM orders.event_log WHERE type = 'orders.OrderApproved' AND subject = ANY($1))
         SELECT extract(epoch FROM s.time - p.time) * 1000 AS stock, extract(epoch FROM c.time - p.time) * 1000 AS credit,
                extract(epoch FROM a.time - greatest(s.time, c.time)) * 1000 AS approve
           FROM placed p JOIN stock s USING (subject) JOIN credit c USING (subject) JOIN approved a USING (subject)`,
        [ids],
      );
      const sorted = (key: string) => hops.map((h) => Number(h[key])).sort((a, b) => a - b);
      return {
        approvalMs: rows.map((r) => Number(r.ms)).sort((a, b) => a - b),
        postMs: postMs.sort((a, b) => a - b),
        hops: { stock: sorted('stock'), credit: sorted('credit'), approve: sorted('approve') },
      };
    } finally {
      await db.end();
    }
  } finally {
    for (const app of apps.reverse()) await app.stop();
  }
}

export async function run(): Promise<void> {
  const { serverUrl, endpoint, stop } = await startBenchInfrastructure('orders');
  try {
    const results: Record<string, ScenarioResult> = {};
    for (const [name, split] of [['one', false], ['split', true]] as const) {
      const r = await scenario(serverUrl, endpoint, name, split);
      results[name] = r;
      const label = split ? 'api | relay,consumer' : 'one process';
      console.log(
        `${label.padEnd(22)} ${ROUNDS} rounds of ${IN_FLIGHT} in flight: OrderPlaced → OrderApproved p50 ${percentile(r.approvalMs, 50).toFixed(0)} ms, ` +
          `p95 ${percentile(r.approvalMs, 95).toFixed(0)} ms, p99 ${percentile(r.approvalMs, 99).toFixed(0)} ms; ` +
          `POST /orders p50 ${percentile(r.postMs, 50).toFixed(0)} ms, p99 ${percentile(r.postMs, 99).toFixed(0)} ms`,
      );
      const p50 = (values: number[]) => percentile(values, 50).toFixed(0);
      console.log(`${''.padEnd(22)} p50 of each leg: placed → StockReserved ${p50(r.hops.stock)} ms, placed → CreditReserved ${p50(r.hops.credit)} ms, later answer → OrderApproved ${p50(r.hops.approve)} ms`);
      const bench = 'order-latency';
      const at = `${IN_FLIGHT} in flight, ${label}`;
      report({ bench, name: `placed → approved p50 (${at})`, value: Math.round(percentile(r.approvalMs, 50)), unit: 'ms', goal: split ? undefined : { kind: 'max', value: 300 } });
      report({ bench, name: `placed → approved p95 (${at})`, value: Math.round(percentile(r.approvalMs, 95)), unit: 'ms' });
      report({ bench, name: `placed → approved p99 (${at})`, value: Math.round(percentile(r.approvalMs, 99)), unit: 'ms', goal: split ? undefined : { kind: 'max', value: 1000 } });
      report({ bench, name: `POST /orders p99 (${at})`, value: Math.round(percentile(r.postMs, 99)), unit: 'ms', goal: split ? undefined : { kind: 'max', value: 150 } });
    }
    const ratio = percentile(results.split.approvalMs, 50) / percentile(results.one.approvalMs, 50);
    report({ bench: 'order-latency', name: 'placed → approved p50, split ÷ one process', value: Number(ratio.toFixed(2)), unit: '×', goal: { kind: 'max', value: 1.5 } });
  } finally {
    await stop();
  }
}
