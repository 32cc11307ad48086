import { DeleteStreamCommand, GetRecordsCommand, GetShardIteratorCommand, KinesisClient } from '@aws-sdk/client-kinesis';
import { Logger } from '@nestjs/common';
import { Pool } from 'pg';
import { createTestDatabase, eventually, TestDatabase, testKinesisClient, testKinesisEndpoint, uniqueName } from '../testing';
import { ConsumerOpsController } from './consumer-ops.controller';
import { LeaseStore, TRIM_HORIZON } from './leases/lease-store';
import { describeStream } from './reading/shard-discovery';
import { createStream, putEvents, provisionTestStores, startTestConsumer, TEST_CONTEXT, TEST_STREAM, TestConsumer, thingEvent } from '../testing/consumer-test-kit';

describe('a stream re-created under the consumer group (engine data lost, or deleted and made again)', () => {
  let db: TestDatabase;
  let alpha: Pool;
  let platform: Pool;
  let kinesis: KinesisClient;
  const running: TestConsumer[] = [];
  let errorLines: jest.SpyInstance;

  beforeAll(async () => {
    db = await createTestDatabase();
    const topology = await provisionTestStores(db.url);
    alpha = new Pool({ connectionString: topology.access(TEST_CONTEXT).url, max: 2 });
    platform = new Pool({ connectionString: topology.access('platform').url, max: 2 });
    kinesis = testKinesisClient();
    errorLines = jest.spyOn(Logger.prototype, 'error');
  });

  afterAll(async () => {
    errorLines.mockRestore();
    for (const c of running) await c.close();
    kinesis.destroy();
    await alpha.end();
    await platform.end();
    await db.drop();
  });

  async function consumer(prefix: string, group: string): Promise<TestConsumer> {
    const c = await startTestConsumer({ ownerUrl: db.url, kinesisEndpoint: testKinesisEndpoint(), options: { consumerGroup: group, workerId: uniqueName('worker'), streamPrefix: prefix } });
    running.push(c);
    return c;
  }

  async function stop(c: TestConsumer): Promise<void> {
    running.splice(running.indexOf(c), 1);
    await c.close();
  }

  async function count(keyPrefix: string): Promise<number> {
    return (await alpha.query(`SELECT count(*)::int AS n FROM effects WHERE partition_key LIKE $1`, [`${keyPrefix}%`])).rows[0].n;
  }

  function events(keyPrefix: string, perKey: number) {
    return Array.from({ length: 4 * perKey }, (_, i) => thingEvent(`${keyPrefix}${i % 4}`, Math.floor(i / 4)));
  }

  async function resets(c: TestConsumer, stream: string): Promise<number> {
    const metric = await c.metrics.registry.getSingleMetric('eda_consumer_stream_resets_total')!.get();
    return metric.values.filter((v) => v.labels.stream === stream).reduce((n, v) => n + v.value, 0);
  }

  /**
   * kinesalite stamps a stream and its sequence numbers with whole seconds of its clock, which runs 2 s behind
   * (so sequence numbers are never in the future): two streams of one name made within one such second cannot be
   * told apart by any API (on AWS a deletion alone takes longer). So the test makes the next stream in a later
   * engine second than `previous`, as any real re-creation is.
   */
  async function inALaterSecondThan(previous: string): Promise<void> {
    const { createdAt } = (await describeStream(kinesis, previous))!;
    const engineLagMs = 2_000;
    await eventually('the engine\'s clock is past the second the previous stream was made in', async () => {
      expect(Date.now() - engineLagMs).toBeGreaterThanOrEqual(createdAt.getTime() + 1_000);
    }, 4_000, 20);
  }

  async function recreate(stream: string): Promise<void> {
    await inALaterSecondThan(stream);
    await kinesis.send(new DeleteStreamCommand({ StreamName: stream }));
    await eventually('the stream is gone', async () => expect(await describeStream(kinesis, stream)).toBeNull(), 10_000, 20);
  }

  function resetLines(stream: string): string[] {
    return errorLines.mock.calls.map((call) => String(call[0])).filter((line) => line.startsWith(`Stream ${stream} `));
  }

  it('notices a stream deleted and re-created while it reads, reports it once, and consumes the new stream from its start', async () => {
    const startedAt = Date.now();
    const prefix = `${uniqueName('rr')}-`;
    const stream = `${prefix}${TEST_STREAM}`;
    await createStream(kinesis, stream, 2);
    const c = await consumer(prefix, uniqueName('g'));
    await putEvents(kinesis, stream, events('old', 5));
    await eventually('the first stream is consumed', async () => expect(await count('old')).toBe(20), 20_000);
    await eventually('the checkpoints point at the first stream\'s records', async () => {
      expect((await c.leases.list(TEST_STREAM)).some((l) => l.checkpoint !== TRIM_HORIZON)).toBe(true);
    }, 10_000);
    const staleLeases = await c.leases.list(TEST_STREAM);

    await recreate(stream);
    await eventually('the worker lets go of the deleted stream\'s shards', async () => expect(c.worker.heldShards()).toEqual([]), 10_000, 50);
    await createStream(kinesis, stream, 2);
    await putEvents(kinesis, stream, events('new', 5));

    await eventually('the re-created stream\'s records are consumed', async () => expect(await count('new')).toBe(20), 30_000, 100);
    expect(await count('old')).toBe(20);
    expect(await resets(c, stream)).toBe(1);
    const [line] = resetLines(stream);
    expect(resetLines(stream)).toHaveLength(1);
    const [, leasesAt, streamAt] = /Leases created at (\S+); stream created at (\S+?)[ .(]/.exec(line)!;
    expect(Date.parse(leasesAt)).toBeGreaterThanOrEqual(startedAt - 1000);
    expect(Date.parse(streamAt)).toBeGreaterThanOrEqual(Math.floor(Date.parse(leasesAt) / 1000) * 1000);
    expect(line).toContain('reading the new stream from TRIM_HORIZON');

    const fresh = await c.leases.list(TEST_STREAM);
    expect(fresh).toHaveLength(2);
    expect(fresh.every((l) => !staleLeases.some((s) => s.createdAt === l.createdAt))).toBe(true);
    // GET /ops/consumers shows every group of the database: this test's is first.
    const rows = (await new ConsumerOpsController(c.leases, c.deadLetters).consumers()).filter((r) => r.consumerGroup === c.leases.consumerGroup);
    expect(rows).toHaveLength(2);
    for (const row of rows) expect(Date.parse(row.resetAt!)).toBeGreaterThan(Date.parse(leasesAt));
  });

  it('recovers at start-up when the stream was re-created while no worker ran (local engine data lost, database kept)', async () => {
    const prefix = `${uniqueName('rs')}-`;
    const stream = `${prefix}${TEST_STREAM}`;
    const group = uniqueName('g');
    await createStream(kinesis, stream, 1);
    const first = await consumer(prefix, group);
    await putEvents(kinesis, stream, events('before', 3));
    await eventually('the first stream is consumed', async () => expect(await count('before')).toBe(12), 20_000);
    await stop(first);
    const leases = new LeaseStore(platform, group);
    expect((await leases.list(TEST_STREAM))[0].checkpoint).not.toBe(TRIM_HORIZON);

    await recreate(stream);
    await createStream(kinesis, stream, 1);
    await putEvents(kinesis, stream, events('after', 3));
    const second = await consumer(prefix, group);

    await eventually('the new stream is consumed instead of waiting on the old checkpoint', async () => expect(await count('after')).toBe(12), 30_000, 100);
    expect(await resets(second, stream)).toBe(1);
    expect(resetLines(stream)).toHaveLength(1);
    const [lease] = await second.leases.list(TEST_STREAM);
    expect(lease.streamResetAt).not.toBeNull();
    expect(await count('before')).toBe(12);
  });

  it('starts over when Kinesis refuses a checkpoint as not from this stream though the stream creation time is the recorded one', async () => {
    // The stream's creation time is the recorded one; only the checkpoint, a sequence number of another stream, is wrong.
    const prefix = `${uniqueName('rc')}-`;
    const stream = `${prefix}${TEST_STREAM}`;
    const elsewhere = `${prefix}elsewhere`;
    const group = uniqueName('g');
    await createStream(kinesis, stream, 1);
    await inALaterSecondThan(stream);
    await createStream(kinesis, elsewhere, 1);
    await putEvents(kinesis, elsewhere, [thingEvent('foreign', 0)]);
    const foreignSequence = (await kinesis.send(new GetRecordsCommand({
      ShardIterator: (await kinesis.send(new GetShardIteratorCommand({ StreamName: elsewhere, ShardId: 'shardId-000000000000', ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator,
    }))).Records![0].SequenceNumber!;
    const first = await consumer(prefix, group);
    await putEvents(kinesis, stream, events('own', 2));
    await eventually('the stream is consumed', async () => expect(await count('own')).toBe(8), 20_000);
    await stop(first);
    await platform.query(`UPDATE consumer_leases SET checkpoint = $2 WHERE consumer_group = $1`, [group, foreignSequence]);

    const second = await consumer(prefix, group);
    await putEvents(kinesis, stream, [thingEvent('own0', 2)]);
    await eventually('the group reads its stream again from the start', async () => expect(await count('own')).toBe(9), 30_000, 100);
    expect(await resets(second, stream)).toBe(1);
    expect(resetLines(stream)[0]).toContain(`Kinesis refused checkpoint ${foreignSequence} of shardId-000000000000`);
    // Keys are dispatched in parallel: the new record may be applied before every replayed one is counted.
    await eventually('the 8 replayed records are counted as duplicates', async () => {
      const duplicates = (await second.metrics.registry.getSingleMetric('eda_consumer_records_processed_total')!.get()).values
        .filter((v) => v.labels.outcome === 'duplicate').reduce((n, v) => n + v.value, 0);
      expect(duplicates).toBe(8);
    }, 10_000, 50);
  });

  it('leaves a group alone whose stream is the one its leases were made on', async () => {
    const prefix = `${uniqueName('rk')}-`;
    const stream = `${prefix}${TEST_STREAM}`;
    const group = uniqueName('g');
    await createStream(kinesis, stream, 1);
    const first = await consumer(prefix, group);
    await putEvents(kinesis, stream, events('kept', 2));
    await eventually('the stream is consumed', async () => expect(await count('kept')).toBe(8), 20_000);
    await stop(first);
    const [before] = await new LeaseStore(platform, group).list(TEST_STREAM);

    const second = await consumer(prefix, group);
    await putEvents(kinesis, stream, [thingEvent('kept0', 2)]);
    await eventually('the next record is consumed', async () => expect(await count('kept')).toBe(9), 20_000);
    const [after] = await second.leases.list(TEST_STREAM);
    expect(after.createdAt).toBe(before.createdAt);
    expect(after.streamResetAt).toBeNull();
    expect(await resets(second, stream)).toBe(0);
  });
});
