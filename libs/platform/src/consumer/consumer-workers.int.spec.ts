import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { Pool } from 'pg';
import { createTestDatabase, eventually, spawnTypeScript, TestDatabase, testKinesisClient, testKinesisEndpoint, uniqueName } from '../testing';
import { LeaseStore } from './leases/lease-store';
import { createStream, putEvents, provisionTestStores, TEST_CONTEXT, TEST_STREAM, thingEvent } from '../testing/consumer-test-kit';

const KEYS = 100;
const PER_KEY = 200; // 20,000 records
const TESTING_DIR = join(__dirname, '..', 'testing');

interface WorkerProcess {
  id: string;
  child: ChildProcess;
  exited: Promise<number | null>;
}

describe('consumer workers in separate processes sharing a 4-shard stream', () => {
  let db: TestDatabase;
  let alpha: Pool;
  let platform: Pool;
  let kinesis: KinesisClient;
  let leases: LeaseStore;
  const prefix = `${uniqueName('w')}-`;
  const group = uniqueName('g');
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    const topology = await provisionTestStores(db.url);
    alpha = new Pool({ connectionString: topology.access(TEST_CONTEXT).url, max: 2 });
    platform = new Pool({ connectionString: topology.access('platform').url, max: 2 });
    leases = new LeaseStore(platform, group);
    kinesis = testKinesisClient();
    await createStream(kinesis, `${prefix}${TEST_STREAM}`, 4);
  });

  afterAll(async () => {
    for (const w of workers) if (w.child.exitCode === null) w.child.kill('SIGKILL');
    await Promise.all(workers.map((w) => w.exited));
    kinesis.destroy();
    await alpha.end();
    await platform.end();
    await db.drop();
  });

  function startWorker(id: string, at: { prefix: string; group: string } = { prefix, group }): Promise<WorkerProcess> {
    const child = spawnTypeScript(join(TESTING_DIR, 'worker-process.ts'), {
      env: {
        ...process.env,
        TEST_OWNER_URL: db.url,
        TEST_KINESIS_ENDPOINT: testKinesisEndpoint(),
        CONSUMER_GROUP: at.group,
        WORKER_ID: id,
        STREAM_PREFIX: at.prefix,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const worker = { id, child, exited };
    workers.push(worker);
    let stderr = '';
    child.stderr!.on('data', (chunk) => (stderr += chunk));
    return new Promise((resolve, reject) => {
      child.stdout!.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('ready')) resolve(worker);
      });
      void exited.then((code) => reject(new Error(`worker ${id} exited with ${code}: ${stderr}`)));
    });
  }

  async function owners(): Promise<Map<string, string[]>> {
    const byOwner = new Map<string, string[]>();
    for (const l of await leases.list(TEST_STREAM)) {
      if (!l.owner || l.expired) continue;
      byOwner.set(l.owner, [...(byOwner.get(l.owner) ?? []), l.shardId]);
    }
    return byOwner;
  }

  async function effectCount(): Promise<number> {
    return (await alpha.query(`SELECT count(*)::int AS n FROM effects`)).rows[0].n;
  }

  function records(fromSeq: number, toSeq: number) {
    const events = [];
    for (let seq = fromSeq; seq < toSeq; seq++) for (let k = 0; k < KEYS; k++) events.push(thingEvent(`key-${k}`, seq));
    return events;
  }

  it('shares the shards, survives a kill -9 and applies 20,000 records exactly once in key order', async () => {
    await Promise.all([startWorker('w1'), startWorker('w2')]);
    await eventually('two workers share the four shards, two each', async () => {
      const byOwner = await owners();
      expect([...byOwner.keys()].sort()).toEqual(['w1', 'w2']);
      expect([...byOwner.values()].map((s) => s.length)).toEqual([2, 2]);
    }, 30_000);

    await putEvents(kinesis, `${prefix}${TEST_STREAM}`, records(0, PER_KEY / 2));
    await startWorker('w3');
    await eventually('the third worker takes a shard from a busier one', async () => {
      const byOwner = await owners();
      expect([...byOwner.keys()].sort()).toEqual(['w1', 'w2', 'w3']);
      expect([...byOwner.values()].flat().sort()).toHaveLength(4);
    }, 30_000);
    await eventually('records are being applied', async () => expect(await effectCount()).toBeGreaterThan(500), 60_000);

    const victim = workers.find((w) => w.id === 'w1')!;
    const victimShards = (await owners()).get('w1') ?? [];
    expect(victimShards.length).toBeGreaterThan(0);
    const killedAt = Date.now();
    victim.child.kill('SIGKILL');
    await eventually('the killed worker\'s shards are taken over', async () => {
      const byOwner = await owners();
      expect(byOwner.has('w1')).toBe(false);
      expect([...byOwner.values()].flat()).toHaveLength(4);
    }, 20_000, 100);
    const failoverMs = Date.now() - killedAt;

    await putEvents(kinesis, `${prefix}${TEST_STREAM}`, records(PER_KEY / 2, PER_KEY));
    await eventually('all 20,000 records are applied', async () => expect(await effectCount()).toBe(KEYS * PER_KEY), 150_000, 250);

    const { rows: [totals] } = await alpha.query(`SELECT count(*)::int AS n, count(DISTINCT message_id)::int AS distinct_ids FROM effects`);
    expect(totals).toEqual({ n: KEYS * PER_KEY, distinct_ids: KEYS * PER_KEY });
    const { rows: [order] } = await alpha.query(`
      SELECT count(*)::int AS out_of_order FROM (
        SELECT seq, lag(seq) OVER (PARTITION BY partition_key ORDER BY id) AS previous FROM effects) s
      WHERE previous IS NOT NULL AND seq <> previous + 1`);
    expect(order.out_of_order).toBe(0);

    // Latency with the consumers caught up: one small batch at a time, from the event time to the effect.
    const start = (await alpha.query(`SELECT coalesce(max(id), 0) AS id FROM effects`)).rows[0].id;
    for (let round = 0; round < 10; round++) {
      await putEvents(kinesis, `${prefix}${TEST_STREAM}`, records(PER_KEY + round, PER_KEY + round + 1).slice(0, 20));
      await eventually('the round is applied', async () => expect(await effectCount()).toBe(KEYS * PER_KEY + 20 * (round + 1)), 10_000, 20);
    }
    const { rows: [latency] } = await alpha.query(
      `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY latency_ms) AS p50, percentile_cont(0.99) WITHIN GROUP (ORDER BY latency_ms) AS p99
         FROM effects WHERE id > $1`,
      [start],
    );
    console.log(`failover after kill -9: ${failoverMs} ms; put→effect latency p50 ${Math.round(latency.p50)} ms, p99 ${Math.round(latency.p99)} ms`);
    expect(failoverMs).toBeLessThan(10_000);

    const survivors = workers.filter((w) => w.id !== 'w1');
    for (const w of survivors) w.child.kill('SIGTERM');
    expect(await Promise.all(survivors.map((w) => w.exited))).toEqual([0, 0]);
    const remaining = await leases.list(TEST_STREAM);
    expect(remaining.filter((l) => l.owner !== null)).toEqual([]);
  }, 240_000);

  it('loses and doubles nothing when a worker is killed in the middle of a batched transaction', async () => {
    const at = { prefix: `${uniqueName('k')}-`, group: uniqueName('g') };
    await createStream(kinesis, `${at.prefix}${TEST_STREAM}`, 1);
    // One key sorts first in the batch and holds the transaction open for 4 s, the rest of the batch queued behind it.
    await alpha.query(`INSERT INTO slow_keys VALUES ('a-slow', 4)`);
    const before = await effectCount();
    const keys = ['a-slow', ...Array.from({ length: 19 }, (_, i) => `b-${i}`)];
    const events = [];
    for (let seq = 0; seq < 10; seq++) for (const k of keys) events.push(thingEvent(k, seq));
    await putEvents(kinesis, `${at.prefix}${TEST_STREAM}`, events);
    const victim = await startWorker('batch-victim', at);
    await eventually('the worker is inside its batch transaction (inbox rows written, not committed)', async () => {
      const { rows } = await alpha.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE state = 'active' AND query LIKE 'SELECT pg_sleep(seconds)%'`);
      expect(rows[0].n).toBe(1);
    }, 30_000, 50);
    expect(await effectCount()).toBe(before);
    victim.child.kill('SIGKILL');
    await victim.exited;
    await alpha.query(`DELETE FROM slow_keys WHERE partition_key = 'a-slow'`);
    // The killed worker's backend finds its client gone once the sleep ends, and rolls the batch back.
    await eventually('the killed transaction is rolled back', async () => {
      const { rows } = await alpha.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(seconds)%'`);
      expect(rows[0].n).toBe(0);
    }, 10_000, 50);
    expect(await effectCount()).toBe(before);

    await startWorker('batch-heir', at);
    await eventually('every record is applied by the next worker', async () => expect(await effectCount()).toBe(before + events.length), 60_000, 100);
    const { rows: [totals] } = await alpha.query(
      `SELECT count(*)::int AS n, count(DISTINCT message_id)::int AS distinct_ids, count(*) FILTER (WHERE worker = 'batch-victim')::int AS by_victim
         FROM effects WHERE partition_key = ANY($1)`, [keys]);
    expect(totals).toEqual({ n: events.length, distinct_ids: events.length, by_victim: 0 });
    for (const k of keys) {
      const { rows } = await alpha.query(`SELECT seq FROM effects WHERE partition_key = $1 ORDER BY id`, [k]);
      expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: 10 }, (_, i) => i));
    }
  }, 180_000);
});
