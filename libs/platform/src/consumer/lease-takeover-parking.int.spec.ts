import { KinesisClient } from '@aws-sdk/client-kinesis';
import { Pool, PoolClient } from 'pg';
import { createTestDatabase, eventually, TestDatabase, testKinesisClient, testKinesisEndpoint, uniqueName } from '../testing';
import {
  createStream, putEvents, provisionTestStores, stallLock, startTestConsumer, TEST_CONTEXT, TEST_HANDLER, TEST_STREAM, TestConsumer, thingEvent,
} from '../testing/consumer-test-kit';

/**
 * Two workers and a shard that moves between them while a delivery is in flight (ADR 0010): the old owner's
 * reader only learns it lost the lease at its next renewal or checkpoint. It must not park a message the new
 * owner has applied meanwhile, or the key would stay parked in the database while the new owner lets it flow.
 */
describe('parking across a lease takeover (two workers)', () => {
  let db: TestDatabase;
  let alpha: Pool;
  let kinesis: KinesisClient;
  const running: TestConsumer[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    const topology = await provisionTestStores(db.url);
    alpha = new Pool({ connectionString: topology.access(TEST_CONTEXT).url, max: 3 });
    kinesis = testKinesisClient();
  });

  afterAll(async () => {
    for (const c of running) await c.close();
    kinesis.destroy();
    await alpha.end();
    await db.drop();
  });

  const effects = async (key: string) =>
    (await alpha.query(`SELECT seq, worker FROM effects WHERE partition_key = $1 ORDER BY id`, [key])).rows as Array<{ seq: number; worker: string }>;

  it('refuses the old owner\'s park once the new owner holds the shard, so a key is parked exactly while a letter of it is', async () => {
    const prefix = `${uniqueName('t')}-`;
    const group = uniqueName('g');
    await createStream(kinesis, `${prefix}${TEST_STREAM}`, 1);
    // w1's handler waits on a lock the test holds, then fails; w2's handler works.
    await alpha.query(`INSERT INTO stalled_keys VALUES ('tk', 'w1')`);
    const stall: PoolClient = await alpha.connect();
    await stall.query(`SELECT pg_advisory_lock(hashtext($1))`, [stallLock('tk')]);
    let stalled = true;
    const letGo = async () => {
      if (!stalled) return;
      stalled = false;
      await stall.query(`SELECT pg_advisory_unlock(hashtext($1))`, [stallLock('tk')]);
      stall.release();
    };
    try {

    // w1 takes the shard on its first tick and never renews (its next tick is far away), so its lease expires.
    const w1 = await startTestConsumer({
      ownerUrl: db.url,
      kinesisEndpoint: testKinesisEndpoint(),
      options: { consumerGroup: group, workerId: 'w1', streamPrefix: prefix, maxAttempts: 1, leaseDurationMs: 2000, leaseTickMs: 600_000 },
    });
    running.push(w1);
    await putEvents(kinesis, `${prefix}${TEST_STREAM}`, [thingEvent('tk', 0), thingEvent('tk', 1)]);
    await eventually('w1 is delivering the key and waits in its handler', async () => {
      const { rows } = await alpha.query(
        `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
      );
      expect(rows[0].n).toBe(1);
    }, 20_000, 50);

    const w2 = await startTestConsumer({ ownerUrl: db.url, kinesisEndpoint: testKinesisEndpoint(), options: { consumerGroup: group, workerId: 'w2', streamPrefix: prefix } });
    running.push(w2);
    await eventually('w2 takes the expired lease', async () => {
      expect((await w2.leases.list(TEST_STREAM)).map((l) => l.owner)).toEqual(['w2']);
    }, 20_000, 100);

    // w1's delivery now fails after its last attempt (its transaction, inbox row included, rolls back, so w2's
    // delivery of the same message goes on) and w1 finishes its batch as it stops.
    await letGo();
    running.splice(running.indexOf(w1), 1);
    await w1.close();
    const failures = (await w1.metrics.registry.getSingleMetric('eda_consumer_handler_failures_total')!.get()).values;
    expect(failures.reduce((n, v) => n + v.value, 0)).toBe(1);
    await eventually('w2 applies the key', async () => {
      expect(await effects('tk')).toEqual([{ seq: 0, worker: 'w2' }, { seq: 1, worker: 'w2' }]);
    }, 20_000, 100);

    // Nothing is parked: the messages were applied by the shard's owner, and the key flows.
    expect((await w2.deadLetters.list({ handler: TEST_HANDLER })).items).toEqual([]);
    await putEvents(kinesis, `${prefix}${TEST_STREAM}`, [thingEvent('tk', 2)]);
    await eventually('the key flows on w2', async () => expect((await effects('tk')).map((e) => e.seq)).toEqual([0, 1, 2]), 20_000, 100);
    expect((await w2.deadLetters.list({ handler: TEST_HANDLER })).items).toEqual([]);
    } finally {
      await letGo();
    }
  });
});
