import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { Client, Pool } from 'pg';
import {
  createStream, putEvents, provisionTestStores, startTestConsumer, TEST_CONTEXT, TEST_STREAM, TestConsumer, thingEvent,
} from '../testing/consumer-test-kit';
import { createTestDatabase, eventually, TestDatabase, testKinesisClient, testKinesisEndpoint, uniqueName } from '../testing';
import { PgWakeupChannel, SHARDS_WRITTEN_CHANNEL } from './pg-wakeup-channel';
import { ShardWakeups } from './shard-wakeups';

const SHARD = 'shardId-000000000000';
const ROUNDS = 80;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Times of the GetRecords calls a client makes (one shard per stream in these tests). */
function watchGetRecords(kinesis: KinesisClient): number[] {
  const times: number[] = [];
  kinesis.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'GetRecordsCommand') times.push(Date.now());
      return next(args);
    },
    { step: 'initialize', name: 'countGetRecords' },
  );
  return times;
}

/** The most calls in any window of one second. */
function maxPerSecond(times: number[]): number {
  let max = 0;
  for (let i = 0, j = 0; j < times.length; j++) {
    while (times[j] - times[i] >= 1000) i++;
    max = Math.max(max, j - i + 1);
  }
  return max;
}

describe('wake on publish (real PostgreSQL and kinesalite)', () => {
  let db: TestDatabase;
  let alpha: Pool;
  let kinesis: KinesisClient;
  let platformUrl: string;
  const running: TestConsumer[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    const topology = await provisionTestStores(db.url);
    platformUrl = topology.access('platform').url;
    alpha = new Pool({ connectionString: topology.access(TEST_CONTEXT).url, max: 2 });
    kinesis = testKinesisClient();
  });

  afterAll(async () => {
    for (const c of running) await c.close();
    kinesis.destroy();
    await alpha.end();
    await db.drop();
  });

  async function consumer(prefix: string, wakeups: ShardWakeups, idlePollMaxMs: number): Promise<{ c: TestConsumer; reads: number[] }> {
    const c = await startTestConsumer({
      ownerUrl: db.url,
      kinesisEndpoint: testKinesisEndpoint(),
      options: { consumerGroup: uniqueName('g'), workerId: uniqueName('w'), streamPrefix: prefix, idlePollMaxMs },
      wakeups,
      start: false,
    });
    running.push(c);
    const reads = watchGetRecords(c.kinesis);
    c.worker.start();
    await eventually('the worker holds the shard', () => expect(c.worker.heldShards()).toHaveLength(1), 15_000);
    return { c, reads };
  }

  async function appliedAt(key: string): Promise<number | null> {
    const { rows } = await alpha.query(`SELECT latency_ms FROM effects WHERE partition_key = $1`, [key]);
    return rows.length ? Number(rows[0].latency_ms) : null;
  }

  it('an idle reader answers a wake at once, not at its next tick', async () => {
    const prefix = `${uniqueName('w')}-`;
    const stream = `${prefix}${TEST_STREAM}`;
    await createStream(kinesis, stream, 1);
    const wakeups = new ShardWakeups();
    const { reads } = await consumer(prefix, wakeups, 4_000);
    // Backed off to its longest pause: two empty reads 4 s apart.
    await eventually('the reader is idle', () => expect(reads.at(-1)! - reads.at(-2)!).toBeGreaterThanOrEqual(3_900), 30_000);
    for (let i = 0; i < 2; i++) {
      // Just after a read, the next tick is ~4 s away; the wake must not wait for it.
      const seen = reads.length;
      await eventually('a fresh read', () => expect(reads.length).toBeGreaterThan(seen), 10_000);
      await sleep(300);
      const key = uniqueName('idle');
      await putEvents(kinesis, stream, [thingEvent(key, 0)]);
      const wokenAt = Date.now();
      wakeups.published(stream, [SHARD]);
      await eventually('the record is applied', async () => expect(await appliedAt(key)).not.toBeNull(), 10_000);
      const firstRead = reads.find((t) => t >= wokenAt)!;
      expect(firstRead - wokenAt).toBeLessThan(150);
      expect(Date.now() - wokenAt).toBeLessThan(2_000);
    }
  }, 120_000);

  it('a flood of wakes never takes a shard past 5 GetRecords in any second, and loses nothing', async () => {
    const prefix = `${uniqueName('f')}-`;
    const stream = `${prefix}${TEST_STREAM}`;
    await createStream(kinesis, stream, 1);
    const wakeups = new ShardWakeups();
    const { reads } = await consumer(prefix, wakeups, 500);
    const from = reads.length;
    let stop = false;
    // Thousands of wakes a second, for this shard and for shards nobody reads.
    const flood = (async () => {
      while (!stop) {
        for (let i = 0; i < 50; i++) {
          wakeups.published(stream, [SHARD]);
          wakeups.published(stream, ['shardId-000000000009']);
          wakeups.published(`${prefix}other-stream`, [SHARD]);
        }
        await sleep(1);
      }
    })();
    const keys = Array.from({ length: 10 }, (_, i) => `${prefix}k${i}`);
    for (let round = 0; round < ROUNDS; round++) {
      await putEvents(kinesis, stream, keys.map((k) => thingEvent(k, round)));
      await sleep(50);
    }
    await eventually('every record is applied', async () => {
      const { rows } = await alpha.query(`SELECT count(*)::int AS n FROM effects WHERE partition_key LIKE $1`, [`${prefix}%`]);
      expect(rows[0].n).toBe(ROUNDS * keys.length);
    }, 30_000);
    stop = true;
    await flood;
    const during = reads.slice(from);
    expect(during.length).toBeGreaterThanOrEqual(5);
    expect(maxPerSecond(during)).toBeLessThanOrEqual(5);
    for (const k of keys) {
      const { rows } = await alpha.query(`SELECT seq FROM effects WHERE partition_key = $1 ORDER BY id`, [k]);
      expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: ROUNDS }, (_, i) => i));
    }
  }, 120_000);

  it('a process that relays and consumes wakes its readers once per publish: its own notification does not come back as a second wake', async () => {
    const both = new ShardWakeups();
    const other = new ShardWakeups();
    const channel = new PgWakeupChannel(both, { connectionString: platformUrl, send: true, listen: true });
    const elsewhere = new PgWakeupChannel(other, { connectionString: platformUrl, send: false, listen: true });
    await channel.start();
    await elsewhere.start();
    const local: string[] = [];
    const remote: string[] = [];
    both.subscribe((stream, shards) => local.push(`${stream}:${shards.join(',')}`));
    other.subscribe((stream, shards) => remote.push(`${stream}:${shards.join(',')}`));
    try {
      both.published('s-self', ['shardId-9']);
      await eventually('the other process is woken', () => expect(remote).toEqual(['s-self:shardId-9']));
      // The notification has come round by now (it reached the other listener); the sender's readers saw one wake.
      await new Promise((r) => setTimeout(r, 100));
      expect(local).toEqual(['s-self:shardId-9']);
    } finally {
      await channel.stop();
      await elsewhere.stop();
    }
  }, 60_000);

  it('sends no notification while no other process listens, and wakes a listener that appears within about a second', async () => {
    const sender = new ShardWakeups();
    const out = new PgWakeupChannel(sender, { connectionString: platformUrl, send: true, listen: false });
    await out.start();
    // A bystander on the channel, not named as a wake-up listener: it sees every NOTIFY that is sent.
    const spy = new Client({ connectionString: platformUrl, application_name: 'spy' });
    await spy.connect();
    let notified = 0;
    spy.on('notification', () => notified++);
    await spy.query(`LISTEN ${SHARDS_WRITTEN_CHANNEL}`);
    const receiver = new ShardWakeups();
    const into = new PgWakeupChannel(receiver, { connectionString: platformUrl, send: false, listen: true });
    try {
      for (let i = 0; i < 5; i++) {
        sender.published('s-alone', [`shardId-${i}`]);
        await new Promise((r) => setTimeout(r, 50));
      }
      await new Promise((r) => setTimeout(r, 200));
      expect(notified).toBe(0);

      await into.start();
      const got: string[] = [];
      receiver.subscribe((stream) => got.push(stream));
      const since = Date.now();
      await eventually('the new listener is woken', async () => {
        sender.published('s-joined', ['shardId-0']);
        expect(got).toContain('s-joined');
      }, 5_000, 100);
      expect(Date.now() - since).toBeLessThan(3_000);
      expect(notified).toBeGreaterThan(0);
    } finally {
      await spy.end();
      await out.stop();
      await into.stop();
    }
  }, 60_000);

  it('carries wakes between processes through PostgreSQL, and comes back after its connection is killed', async () => {
    const sender = new ShardWakeups();
    const receiver = new ShardWakeups();
    const lines: string[] = [];
    const out = new PgWakeupChannel(sender, { connectionString: platformUrl, send: true, listen: false });
    const into = new PgWakeupChannel(receiver, { connectionString: platformUrl, send: false, listen: true, log: (l) => lines.push(l) });
    await out.start();
    await into.start();
    const got: string[] = [];
    receiver.subscribe((stream, shards) => got.push(`${stream}:${shards.join(',')}`));
    try {
      sender.published('s-a', ['shardId-1', 'shardId-2']);
      sender.published('s-b', ['shardId-3']);
      await eventually('both wakes arrive', () => expect(got).toEqual(expect.arrayContaining(['s-a:shardId-1,shardId-2', 's-b:shardId-3'])));

      // The database drops the listening connection (as a restart would): one line, then it is back.
      const admin = new Client({ connectionString: db.url });
      await admin.connect();
      await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'eda:wakeups' AND query LIKE 'LISTEN%'`);
      await admin.end();
      await eventually('the channel is back', () => expect(lines.some((l) => l.includes('is back'))).toBe(true), 15_000);
      expect(lines.filter((l) => l.includes('lost'))).toHaveLength(1);
      got.length = 0;
      sender.published('s-c', ['shardId-4']);
      await eventually('a wake after the reconnect arrives', () => expect(got).toContain('s-c:shardId-4'));
    } finally {
      await out.stop();
      await into.stop();
    }
  }, 60_000);
});
