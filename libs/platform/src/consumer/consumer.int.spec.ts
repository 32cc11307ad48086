import { KinesisClient, MergeShardsCommand, SplitShardCommand } from '@aws-sdk/client-kinesis';
import { Pool } from 'pg';
import { domainEvent } from '../event-log/outgoing-message';
import { createTestDatabase, eventually, TestDatabase, testKinesisClient, testKinesisEndpoint, uniqueName } from '../testing';
import { UNPARSEABLE_HANDLER } from './dead-letters/dead-letter-store';
import {
  createStream, putEvents, putRecords, provisionTestStores, startTestConsumer, TEST_CONTEXT, TEST_HANDLER, TEST_STREAM, TestConsumer, thingEvent, waitActive,
} from '../testing/consumer-test-kit';

describe('consumer (one worker, real PostgreSQL and kinesalite)', () => {
  let db: TestDatabase;
  let alpha: Pool;
  let platform: Pool;
  let kinesis: KinesisClient;
  const running: TestConsumer[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    const topology = await provisionTestStores(db.url);
    alpha = new Pool({ connectionString: topology.access(TEST_CONTEXT).url, max: 2 });
    platform = new Pool({ connectionString: topology.access('platform').url, max: 2 });
    kinesis = testKinesisClient();
  });

  afterAll(async () => {
    for (const c of running) await c.close();
    kinesis.destroy();
    await alpha.end();
    await platform.end();
    await db.drop();
  });

  async function consumer(prefix: string, group: string, workerId = uniqueName('worker'), extra: { start?: boolean; backfill?: boolean } = {}): Promise<TestConsumer> {
    const c = await startTestConsumer({ ownerUrl: db.url, kinesisEndpoint: testKinesisEndpoint(), options: { consumerGroup: group, workerId, streamPrefix: prefix }, ...extra });
    running.push(c);
    return c;
  }

  async function stop(c: TestConsumer): Promise<void> {
    running.splice(running.indexOf(c), 1);
    await c.close();
  }

  async function seqsOf(key: string): Promise<number[]> {
    return (await alpha.query(`SELECT seq FROM effects WHERE partition_key = $1 ORDER BY id`, [key])).rows.map((r) => r.seq);
  }

  async function count(keyPrefix: string): Promise<number> {
    return (await alpha.query(`SELECT count(*)::int AS n FROM effects WHERE partition_key LIKE $1`, [`${keyPrefix}%`])).rows[0].n;
  }

  it('keeps each key in order across a split and a merge made while it reads', async () => {
    const prefix = `${uniqueName('r')}-`;
    const stream = `${prefix}${TEST_STREAM}`;
    await createStream(kinesis, stream, 1);
    await consumer(prefix, uniqueName('g'));
    const keys = Array.from({ length: 20 }, (_, i) => `rs${i}`);
    const phase = (from: number, to: number) => {
      const events = [];
      for (let seq = from; seq < to; seq++) for (const k of keys) events.push(thingEvent(k, seq));
      return events;
    };

    await putEvents(kinesis, stream, phase(0, 30));
    await kinesis.send(new SplitShardCommand({ StreamName: stream, ShardToSplit: 'shardId-000000000000', NewStartingHashKey: (2n ** 127n).toString() }));
    await waitActive(kinesis, stream);
    await putEvents(kinesis, stream, phase(30, 60));
    await kinesis.send(new MergeShardsCommand({ StreamName: stream, ShardToMerge: 'shardId-000000000001', AdjacentShardToMerge: 'shardId-000000000002' }));
    await waitActive(kinesis, stream);
    await putEvents(kinesis, stream, phase(60, 90));

    await eventually('every record of the three shard generations is applied', async () => expect(await count('rs')).toBe(20 * 90), 60_000, 200);
    for (const k of keys) expect(await seqsOf(k)).toEqual(Array.from({ length: 90 }, (_, i) => i));
    const { rows } = await platform.query(`SELECT shard_id, state FROM consumer_leases WHERE stream = $1 AND consumer_group LIKE 'g%' ORDER BY shard_id`, [TEST_STREAM]);
    expect(rows.filter((r) => r.shard_id <= 'shardId-000000000002').every((r) => r.state === 'finished')).toBe(true);
  });

  it('parks a failing key and its followers after the attempts, lets other keys flow, and re-applies them in order on retry', async () => {
    const prefix = `${uniqueName('d')}-`;
    const stream = `${prefix}${TEST_STREAM}`;
    await createStream(kinesis, stream, 2);
    await alpha.query(`INSERT INTO failing_keys VALUES ('dl-bad')`);
    const c = await consumer(prefix, uniqueName('g'));

    const events = [];
    for (let seq = 0; seq < 5; seq++) for (const k of ['dl-good-0', 'dl-good-1', 'dl-good-2', 'dl-bad']) events.push(thingEvent(k, seq));
    await putEvents(kinesis, stream, events);
    await putRecords(kinesis, stream, [{ key: 'dl-poison', data: 'not json at all' }, { key: 'dl-poison', data: '{"hello":"world"}' }]);

    await eventually('the good keys are applied and the bad key is parked', async () => {
      expect(await count('dl-good')).toBe(15);
      const { items } = await c.deadLetters.list({ handler: TEST_HANDLER });
      expect(items.map((l) => (l.event!.data as { seq: number }).seq)).toEqual([0, 1, 2, 3, 4]);
    }, 30_000, 100);
    expect(await count('dl-bad')).toBe(0);
    const first = (await c.deadLetters.list({ handler: TEST_HANDLER, limit: 2 }));
    expect(first.items[0]).toMatchObject({ partitionKey: 'dl-bad', attempts: 3, status: 'parked', error: expect.stringContaining('failing on purpose') });
    expect(first.nextCursor).toBe(first.items[1].id);
    const rest = await c.deadLetters.list({ handler: TEST_HANDLER, cursor: first.nextCursor! });
    expect(rest.items).toHaveLength(3);
    const poison = await c.deadLetters.list({ handler: UNPARSEABLE_HANDLER });
    expect(poison.items.map((l) => [l.raw, l.error])).toEqual([
      ['not json at all', 'not JSON'],
      ['{"hello":"world"}', 'not a CloudEvent 1.0 (specversion)'],
    ]);

    // A retry while the handler still fails changes nothing but the attempts.
    const stillFailing = await c.deadLetters.retry(first.items[0].id);
    await stillFailing.completion;
    expect((await c.deadLetterStore.get(first.items[0].id))!.attempts).toBe(4);

    await alpha.query(`DELETE FROM failing_keys WHERE partition_key = 'dl-bad'`);
    const { completion } = await c.deadLetters.retry(rest.items[1].id);
    await completion;
    expect(await seqsOf('dl-bad')).toEqual([0, 1, 2, 3, 4]);
    expect((await c.deadLetters.list({ handler: TEST_HANDLER })).items).toEqual([]);

    await putEvents(kinesis, stream, [thingEvent('dl-bad', 5)]);
    await eventually('the released key flows again', async () => expect(await seqsOf('dl-bad')).toEqual([0, 1, 2, 3, 4, 5]), 10_000);
    await c.deadLetters.discard(poison.items[0].id);
    expect((await c.deadLetters.list({ handler: UNPARSEABLE_HANDLER })).items).toHaveLength(1);
  });

  it('applies a large batch of a one-message handler in lanes side by side: each key in order and once, a failing message parked with only its key', async () => {
    const prefix = `${uniqueName('ln')}-`;
    const stream = `${prefix}${TEST_STREAM}`;
    await createStream(kinesis, stream, 1);
    await alpha.query(`INSERT INTO failing_messages VALUES ('ln-7', 3)`);
    // 40 keys × 10 messages on the shard before the worker starts: its first read takes them as one batch.
    const keys = Array.from({ length: 40 }, (_, i) => `ln-${i}`);
    const events = [];
    for (let seq = 0; seq < 10; seq++) for (const k of keys) events.push(thingEvent(k, seq));
    await putEvents(kinesis, stream, events);
    const c = await consumer(prefix, uniqueName('g'));

    await eventually('every other message is applied and ln-7 is parked from seq 3 on', async () => {
      expect(await count('ln-')).toBe(400 - 7);
      expect((await c.deadLetters.list({ handler: TEST_HANDLER, partitionKey: 'ln-7' })).items).toHaveLength(7);
    }, 30_000, 100);
    for (const k of keys) expect(await seqsOf(k)).toEqual(k === 'ln-7' ? [0, 1, 2] : Array.from({ length: 10 }, (_, i) => i));
    // Side by side: several transactions, each carrying whole keys (several of them), none a message of its own
    // but those of the lane that failed (ln-7's), which went one by one.
    const { rows } = await alpha.query<{ keys: number; messages: number }>(
      `SELECT count(DISTINCT partition_key)::int AS keys, count(*)::int AS messages FROM effects WHERE partition_key LIKE 'ln-%' GROUP BY tx`);
    const batched = rows.filter((r) => r.messages > 1);
    expect(batched.length).toBeGreaterThan(1);
    expect(batched.every((r) => r.keys > 1)).toBe(true);
    expect(rows.filter((r) => r.messages === 1).length).toBeLessThanOrEqual(100);
  });

  it('applies nothing twice when records are delivered again after the checkpoint is rewound', async () => {
    const prefix = `${uniqueName('x')}-`;
    const stream = `${prefix}${TEST_STREAM}`;
    const group = uniqueName('g');
    await createStream(kinesis, stream, 2);
    const first = await consumer(prefix, group);
    await putEvents(kinesis, stream, Array.from({ length: 50 }, (_, i) => thingEvent(`rd${i % 5}`, Math.floor(i / 5))));
    await eventually('the records are applied', async () => expect(await count('rd')).toBe(50), 20_000);
    await stop(first);
    const { rows: checkpoints } = await platform.query(`SELECT checkpoint, owner FROM consumer_leases WHERE consumer_group = $1`, [group]);
    expect(checkpoints.every((r) => r.owner === null && r.checkpoint !== 'TRIM_HORIZON')).toBe(true);

    await platform.query(`UPDATE consumer_leases SET checkpoint = 'TRIM_HORIZON' WHERE consumer_group = $1`, [group]);
    const second = await consumer(prefix, group);
    const processed = () => second.metrics.registry.getSingleMetric('eda_consumer_records_processed_total')!.get();
    await eventually('every record is delivered again', async () => {
      const values = (await processed()).values.filter((v) => v.labels.outcome === 'duplicate');
      expect(values.reduce((n, v) => n + v.value, 0)).toBe(50);
    }, 20_000);
    expect(await count('rd')).toBe(50);
    const { rows: positions } = await alpha.query(`SELECT count(*)::int AS n FROM consumer_positions WHERE consumer_group = $1 AND handler = $2`, [group, TEST_HANDLER]);
    expect(positions[0].n).toBe(2);
  });

  it('starts a new group from the event log and hands over to the stream without a gap or a second effect', async () => {
    const prefix = `${uniqueName('b')}-`;
    const stream = `${prefix}${TEST_STREAM}`;
    await createStream(kinesis, stream, 1);
    const c = await consumer(prefix, uniqueName('g'), uniqueName('worker'), { start: false, backfill: true });
    for (let seq = 0; seq < 10; seq++) {
      await c.unitOfWork.run(async (tx) => {
        for (const key of ['bf0', 'bf1', 'bf2']) tx.publish(domainEvent(TEST_CONTEXT, 'Thing', key, { seq }));
      });
    }
    // The stream no longer holds the first half (past its retention): only the log has it.
    const { rows } = await alpha.query(`SELECT envelope FROM event_log WHERE (envelope->'data'->>'seq')::int >= 5 ORDER BY position`);
    await putEvents(kinesis, stream, rows.map((r) => r.envelope));

    c.worker.start();
    await eventually('every event is applied', async () => expect(await count('bf')).toBe(30), 20_000);
    for (const key of ['bf0', 'bf1', 'bf2']) expect(await seqsOf(key)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    await eventually('the stream\'s copies of the replayed events are recognised as duplicates', async () => {
      const values = (await c.metrics.registry.getSingleMetric('eda_consumer_records_processed_total')!.get()).values;
      expect(values.filter((v) => v.labels.outcome === 'duplicate').reduce((n, v) => n + v.value, 0)).toBe(15);
    }, 10_000);
    expect(await count('bf')).toBe(30);
  });

  it('parks a poison message of the backfill with only its key\'s followers, applies the other keys and goes on to the stream', async () => {
    const prefix = `${uniqueName('bp')}-`;
    const stream = `${prefix}${TEST_STREAM}`;
    await createStream(kinesis, stream, 1);
    const c = await consumer(prefix, uniqueName('g'), uniqueName('worker'), { start: false, backfill: true });
    await alpha.query(`INSERT INTO failing_messages VALUES ('bp-bad', 3)`);
    for (let seq = 0; seq < 6; seq++) {
      await c.unitOfWork.run(async (tx) => {
        for (const key of ['bp0', 'bp1', 'bp-bad']) tx.publish(domainEvent(TEST_CONTEXT, 'Thing', key, { seq }));
      });
    }
    // The stream still holds the second half of the log (copies), then gets new events.
    const { rows } = await alpha.query(`SELECT envelope FROM event_log WHERE partition_key LIKE 'bp%' AND (envelope->'data'->>'seq')::int >= 4 ORDER BY position`);
    await putEvents(kinesis, stream, rows.map((r) => r.envelope));

    c.worker.start();
    const letters = async () => (await c.deadLetters.list({ handler: TEST_HANDLER })).items.filter((l) => l.partitionKey.startsWith('bp'));
    await eventually('the other keys are applied and the poison message is parked with its key\'s followers', async () => {
      expect(await seqsOf('bp0')).toEqual([0, 1, 2, 3, 4, 5]);
      expect(await seqsOf('bp1')).toEqual([0, 1, 2, 3, 4, 5]);
      expect((await letters()).map((l) => [l.partitionKey, (l.event!.data as { seq: number }).seq])).toEqual([['bp-bad', 3], ['bp-bad', 4], ['bp-bad', 5]]);
    }, 20_000, 100);
    expect(await seqsOf('bp-bad')).toEqual([0, 1, 2]);
    const [poison] = await letters();
    expect(poison).toMatchObject({ shardId: `event-log:${TEST_CONTEXT}`, attempts: 3, status: 'parked', error: expect.stringContaining('failing on purpose') });

    // The group goes on to the stream: new events flow for the other keys and park behind for the parked one.
    await eventually('the group holds the stream\'s lease', async () => expect((await c.leases.list(TEST_STREAM)).map((l) => l.owner)).toEqual([c.worker.workerId]));
    await putEvents(kinesis, stream, [thingEvent('bp0', 6), thingEvent('bp-bad', 6)]);
    await eventually('the stream is read after the backfill', async () => {
      expect(await seqsOf('bp0')).toEqual([0, 1, 2, 3, 4, 5, 6]);
      expect((await letters()).map((l) => (l.event!.data as { seq: number }).seq)).toEqual([3, 4, 5, 6]);
    }, 20_000, 100);
    expect(await count('bp0')).toBe(7);

    await alpha.query(`DELETE FROM failing_messages WHERE partition_key = 'bp-bad'`);
    await (await c.deadLetters.retry(poison.id)).completion;
    expect(await seqsOf('bp-bad')).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(await letters()).toEqual([]);
    const { rows: positions } = await alpha.query(`SELECT shard_id FROM consumer_positions WHERE shard_id LIKE 'event-log:%'`);
    expect(positions).toEqual([]);
  });
  it('releases on stop every lease it owns, also one it started no reader for', async () => {
    const prefix = `${uniqueName('rl')}-`;
    await createStream(kinesis, `${prefix}${TEST_STREAM}`, 1);
    const group = uniqueName('g');
    const c = await consumer(prefix, group);
    await eventually('the worker holds its shard', () => expect(c.worker.heldShards()).toHaveLength(1), 15_000);
    // A lease the worker took but reads nothing of (as a tick cut short by the stop leaves one).
    await c.leases.createIfMissing('not-subscribed', 'shardId-000000000000', []);
    const [free] = (await c.leases.list('not-subscribed'));
    expect(await c.leases.take(free, c.worker.workerId, 60_000)).not.toBeNull();
    await stop(c);
    const { rows: owned } = await platform.query(`SELECT stream, owner FROM consumer_leases WHERE consumer_group = $1 AND owner IS NOT NULL`, [group]);
    expect(owned).toEqual([]);
  });
});
