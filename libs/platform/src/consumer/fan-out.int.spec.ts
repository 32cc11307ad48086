import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import {
  DescribeStreamSummaryCommand,
  KinesisClient,
  ListShardsCommand,
  ListStreamConsumersCommand,
  RegisterStreamConsumerCommand,
  SplitShardCommand,
} from '@aws-sdk/client-kinesis';
import { Pool } from 'pg';
import { createKinesisClient } from '../kinesis/kinesis-connection';
import { createTestDatabase, eventually, spawnTypeScript, TestDatabase, uniqueName } from '../testing';
import { FanOutFaultProxy, KinesisLocalHandle, startKinesisLocal } from '../testing/kinesis-local';
import { LeaseStore } from './leases/lease-store';
import { StreamConsumerRegistry } from './reading/stream-consumer-registry';
import { UNPARSEABLE_HANDLER } from './dead-letters/dead-letter-store';
import {
  createStream,
  putEvents,
  putRecords,
  provisionTestStores,
  startTestConsumer,
  TEST_CONTEXT,
  TEST_HANDLER,
  TEST_STREAM,
  TestConsumer,
  thingEvent,
  waitActive,
} from '../testing/consumer-test-kit';

const TESTING_DIR = join(__dirname, '..', 'testing');

/** Enhanced fan-out against kinesis-local, the engine that implements SubscribeToShard (kinesalite does not). */
describe('enhanced fan-out consumer (CONSUMER_MODE=efo) on kinesis-local', () => {
  let engine: KinesisLocalHandle;
  let proxy: FanOutFaultProxy;
  let db: TestDatabase;
  let alpha: Pool;
  let platformUrl: string;
  let kinesis: KinesisClient;
  const consumers: TestConsumer[] = [];
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    engine = await startKinesisLocal();
    proxy = await new FanOutFaultProxy(engine.endpoint).start();
    db = await createTestDatabase();
    const topology = await provisionTestStores(db.url);
    alpha = new Pool({ connectionString: topology.access(TEST_CONTEXT).url, max: 2 });
    platformUrl = topology.access('platform').url;
    kinesis = createKinesisClient({ endpoint: engine.endpoint, region: 'us-east-1', description: 'kinesis-local' }, { maxAttempts: 5 });
  }, 120_000);

  afterAll(async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    await Promise.all(consumers.map((c) => c.close().catch(() => undefined)));
    kinesis?.destroy();
    await alpha?.end();
    await db?.drop();
    await proxy?.stop();
    await engine?.stop(); // SIGKILL by pid: the engine may ignore SIGTERM
  });

  async function efoConsumer(group: string, prefix: string, workerId: string, extra: { endpoint?: string; efoSubscriptionMs?: number; shardSyncMs?: number } = {}) {
    const consumer = await startTestConsumer({
      ownerUrl: db.url,
      kinesisEndpoint: extra.endpoint ?? engine.endpoint,
      options: { consumerGroup: group, workerId, streamPrefix: prefix, mode: 'efo', shardSyncMs: extra.shardSyncMs ?? 1000, efoSubscriptionMs: extra.efoSubscriptionMs ?? 280_000 },
    });
    consumers.push(consumer);
    return consumer;
  }

  function events(keyPrefix: string, keys: number, fromSeq: number, toSeq: number) {
    const out = [];
    for (let seq = fromSeq; seq < toSeq; seq++) for (let k = 0; k < keys; k++) out.push(thingEvent(`${keyPrefix}-${k}`, seq));
    return out;
  }

  async function effects(keyPrefix: string): Promise<{ n: number; distinct: number; outOfOrder: number; keys: number }> {
    const { rows: [r] } = await alpha.query(
      `SELECT count(*)::int AS n, count(DISTINCT (partition_key, seq))::int AS distinct, count(DISTINCT partition_key)::int AS keys,
              (SELECT count(*)::int FROM (SELECT seq, lag(seq) OVER (PARTITION BY partition_key ORDER BY id) AS prev FROM effects
                WHERE partition_key LIKE $1) s WHERE prev IS NOT NULL AND seq <> prev + 1) AS "outOfOrder"
         FROM effects WHERE partition_key LIKE $1`,
      [`${keyPrefix}-%`],
    );
    return r;
  }

  function counter(consumer: TestConsumer, name: string): Promise<number> {
    return consumer.metrics.registry.getSingleMetric(name)!.get().then((m) => m.values.reduce((sum, v) => sum + v.value, 0));
  }

  it('registers one stream consumer per group, finds it again after a restart, and takes a concurrent registration in its stride', async () => {
    const stream = `${uniqueName('reg')}-${TEST_STREAM}`;
    await createStream(kinesis, stream, 1);
    const through = createKinesisClient({ endpoint: proxy.endpoint, region: 'us-east-1', description: 'proxy' });
    try {
      const registersBefore = proxy.calls.get('RegisterStreamConsumer') ?? 0;
      const first = await new StreamConsumerRegistry(through, 'group-a').consumerArn(stream);
      const afterRestart = await new StreamConsumerRegistry(through, 'group-a').consumerArn(stream);
      expect(afterRestart).toBe(first);
      expect((proxy.calls.get('RegisterStreamConsumer') ?? 0) - registersBefore).toBe(1);

      // Another worker registers between our look-up and our call: Kinesis answers ResourceInUseException.
      let theirs = '';
      proxy.beforeNext('RegisterStreamConsumer', async () => {
        const { StreamDescriptionSummary } = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: stream }));
        theirs = (await kinesis.send(new RegisterStreamConsumerCommand({ StreamARN: StreamDescriptionSummary!.StreamARN, ConsumerName: 'group-b' }))).Consumer!.ConsumerARN!;
      });
      const ours = await new StreamConsumerRegistry(through, 'group-b').consumerArn(stream);
      expect(ours).toBe(theirs);
      const { StreamDescriptionSummary } = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: stream }));
      const listed = await kinesis.send(new ListStreamConsumersCommand({ StreamARN: StreamDescriptionSummary!.StreamARN }));
      expect(listed.Consumers!.map((c) => c.ConsumerName).sort()).toEqual(['group-a', 'group-b']);
    } finally {
      through.destroy();
    }
  });

  it('keeps per-key order across renewals, subscriptions the engine ends early and a refused continuation', async () => {
    const prefix = `${uniqueName('o')}-`;
    const group = uniqueName('g');
    await createStream(kinesis, `${prefix}${TEST_STREAM}`, 2);
    const consumer = await efoConsumer(group, prefix, 'efo-1', { endpoint: proxy.endpoint, efoSubscriptionMs: 3_000 });
    const keys = 8;
    await putEvents(kinesis, `${prefix}${TEST_STREAM}`, events('order', keys, 0, 20));
    await eventually('the first records are applied', async () => expect((await effects('order')).n).toBe(keys * 20), 60_000, 200);

    // Subscriptions outlive their renewal time: at least one more per shard than the two first ones.
    await eventually('subscriptions are renewed', async () => expect(await counter(consumer, 'eda_consumer_subscribe_to_shard_total')).toBeGreaterThan(3), 20_000, 200);

    // The engine ends subscriptions early, and refuses the next continuation (as for one past retention).
    proxy.endSubscriptionsAfter(1_200);
    proxy.refuseNext('SubscribeToShard', 'InvalidArgumentException', 'StartingSequenceNumber is past the trim horizon (injected)', (b) => b.includes('AFTER_SEQUENCE_NUMBER'));
    for (let round = 0; round < 4; round++) {
      await putEvents(kinesis, `${prefix}${TEST_STREAM}`, events('order', keys, 20 + round * 10, 30 + round * 10));
      await new Promise((r) => setTimeout(r, 700)); // records arrive while subscriptions come and go
    }
    await eventually('all records are applied', async () => expect((await effects('order')).n).toBe(keys * 60), 90_000, 250);
    proxy.endSubscriptionsAfter(0);
    expect(proxy.endedSubscriptions).toBeGreaterThan(0);
    expect(await effects('order')).toEqual({ n: keys * 60, distinct: keys * 60, outOfOrder: 0, keys });
    // The refused continuation was retried from the checkpoint, not taken for a re-created stream.
    expect(await counter(consumer, 'eda_consumer_stream_resets_total')).toBe(0);

    // Lag comes from the events.
    const lag = await consumer.metrics.registry.getSingleMetric('eda_consumer_millis_behind_latest')!.get();
    expect(lag.values.length).toBeGreaterThan(0);
  });

  it('drains the parent before its children when a subscribed shard is split under load', async () => {
    const prefix = `${uniqueName('s')}-`;
    const group = uniqueName('g');
    const stream = `${prefix}${TEST_STREAM}`;
    await createStream(kinesis, stream, 1);
    const consumer = await efoConsumer(group, prefix, 'efo-split');
    const keys = 10;
    let writing = true;
    let written = 0;
    const load = (async () => {
      for (let seq = 0; writing || seq < 10; seq++) {
        await putEvents(kinesis, stream, events('split', keys, seq, seq + 1));
        written = seq + 1;
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    await eventually('records flow', async () => expect((await effects('split')).n).toBeGreaterThan(keys * 3), 60_000, 200);
    const { Shards } = await kinesis.send(new ListShardsCommand({ StreamName: stream }));
    const parent = Shards![0];
    const middle = ((BigInt(parent.HashKeyRange!.StartingHashKey!) + BigInt(parent.HashKeyRange!.EndingHashKey!)) / 2n).toString();
    await kinesis.send(new SplitShardCommand({ StreamName: stream, ShardToSplit: parent.ShardId, NewStartingHashKey: middle }));
    await waitActive(kinesis, stream);
    await new Promise((r) => setTimeout(r, 1_500)); // keep writing to the children for a while
    writing = false;
    await load;
    await eventually('every record is applied', async () => expect((await effects('split')).n).toBe(keys * written), 90_000, 250);
    expect(await effects('split')).toEqual({ n: keys * written, distinct: keys * written, outOfOrder: 0, keys });

    const leases = await consumer.leases.list(TEST_STREAM);
    expect(leases.find((l) => l.shardId === parent.ShardId)).toMatchObject({ state: 'finished', checkpoint: 'SHARD_END' });
    const childLeases = leases.filter((l) => l.parentShardIds.includes(parent.ShardId!));
    expect(childLeases).toHaveLength(2);
    expect(childLeases.every((l) => l.state === 'active' && l.checkpoint !== 'TRIM_HORIZON')).toBe(true);
  });

  it('parks a poison record and a failing key with its followers, as polling does; the other keys flow in order; a retry applies the key in order', async () => {
    const prefix = `${uniqueName('d')}-`;
    const stream = `${prefix}${TEST_STREAM}`;
    await createStream(kinesis, stream, 2);
    const consumer = await efoConsumer(uniqueName('g'), prefix, 'efo-dl');
    await alpha.query(`INSERT INTO failing_keys (partition_key) VALUES ('efodl-bad')`);
    const good = 4;
    for (let seq = 0; seq < 5; seq++) {
      await putEvents(kinesis, stream, [...events('efodl', good, seq, seq + 1), thingEvent('efodl-bad', seq)]);
      if (seq === 2) await putRecords(kinesis, stream, [{ key: 'efodl-poison', data: '{not json' }]);
    }
    const letters = async (handler: string) => (await consumer.deadLetters.list({ handler })).items.filter((l) => l.partitionKey.startsWith('efodl'));
    await eventually('the other keys are applied, the failing key parked with its followers, the poison record parked', async () => {
      expect((await effects('efodl')).n).toBe(good * 5);
      expect((await letters(TEST_HANDLER)).map((l) => (l.event!.data as { seq: number }).seq)).toEqual([0, 1, 2, 3, 4]);
      expect(await letters(UNPARSEABLE_HANDLER)).toHaveLength(1);
    }, 60_000, 200);
    const [first, ...followers] = await letters(TEST_HANDLER);
    expect(first).toMatchObject({ partitionKey: 'efodl-bad', attempts: 3, status: 'parked', error: expect.stringContaining('failing on purpose') });
    expect(followers.every((l) => l.error === 'parked behind an earlier message of its key')).toBe(true);
    expect((await letters(UNPARSEABLE_HANDLER)).map((l) => [l.partitionKey, l.raw, l.error])).toEqual([['efodl-poison', '{not json', 'not JSON']]);
    expect(await effects('efodl')).toMatchObject({ n: good * 5, distinct: good * 5, outOfOrder: 0, keys: good });

    // The fault is mended: a retry applies the key's messages in order, and its next message flows through the subscription.
    await alpha.query(`DELETE FROM failing_keys WHERE partition_key = 'efodl-bad'`);
    await (await consumer.deadLetters.retry(first.id)).completion;
    await putEvents(kinesis, stream, [thingEvent('efodl-bad', 5)]);
    await eventually('the released key flows again', async () => {
      const { rows } = await alpha.query(`SELECT seq FROM effects WHERE partition_key = 'efodl-bad' ORDER BY id`);
      expect(rows.map((r) => r.seq)).toEqual([0, 1, 2, 3, 4, 5]);
    }, 30_000, 200);
  });

  it('follows ChildShards at the end of a closed shard\'s subscription, as AWS ends it: parent drained first, children from the event alone', async () => {
    const prefix = `${uniqueName('c')}-`;
    const stream = `${prefix}${TEST_STREAM}`;
    await createStream(kinesis, stream, 1);
    // A proxy of its own, so that only this consumer's calls are counted (the other tests' consumers run on).
    const own = await new FanOutFaultProxy(engine.endpoint).start();
    try {
      // Shard listings only at start: after the split the reader learns of the children from the event, or never.
      const consumer = await efoConsumer(uniqueName('g'), prefix, 'efo-children', { endpoint: own.endpoint, efoSubscriptionMs: 2_000, shardSyncMs: 600_000 });
      const keys = 6;
      await putEvents(kinesis, stream, events('child', keys, 0, 5));
      await eventually('the first records are applied, and the reader has made its one listing', async () => {
        expect((await effects('child')).n).toBe(keys * 5);
        expect(own.calls.get('ListShards') ?? 0).toBeGreaterThanOrEqual(2); // the worker's first sync and the reader's first caught-up check
      }, 60_000, 200);
      const listingsBefore = own.calls.get('ListShards');

      const { Shards: [parent] = [] } = await kinesis.send(new ListShardsCommand({ StreamName: stream }));
      const middle = ((BigInt(parent.HashKeyRange!.StartingHashKey!) + BigInt(parent.HashKeyRange!.EndingHashKey!)) / 2n).toString();
      await putEvents(kinesis, stream, events('child', keys, 5, 10)); // into the parent, not read yet
      await kinesis.send(new SplitShardCommand({ StreamName: stream, ShardToSplit: parent.ShardId, NewStartingHashKey: middle }));
      await waitActive(kinesis, stream);
      const { Shards = [] } = await kinesis.send(new ListShardsCommand({ StreamName: stream }));
      const children = Shards.filter((s) => s.ParentShardId === parent.ShardId);
      expect(children).toHaveLength(2);
      own.announceChildShards(
        parent.ShardId!,
        children.map((c) => ({ ShardId: c.ShardId!, ParentShards: [parent.ShardId!], HashKeyRange: { StartingHashKey: c.HashKeyRange!.StartingHashKey!, EndingHashKey: c.HashKeyRange!.EndingHashKey! } })),
      );
      await putEvents(kinesis, stream, events('child', keys, 10, 15)); // into the children

      await eventually('the parent is finished', async () => {
        expect((await consumer.leases.list(TEST_STREAM)).find((l) => l.shardId === parent.ShardId)).toMatchObject({ state: 'finished', checkpoint: 'SHARD_END' });
      }, 60_000, 50);
      // By the ChildShards event: no listing since the split (the children's readers, started a tick later, list on their own).
      expect(own.childShardsSent.get(parent.ShardId!)).toBeGreaterThanOrEqual(1);
      expect(own.calls.get('ListShards')).toBe(listingsBefore);
      await eventually('every record is applied, the parent\'s before its children\'s', async () => expect((await effects('child')).n).toBe(keys * 15), 90_000, 250);
      expect(await effects('child')).toEqual({ n: keys * 15, distinct: keys * 15, outOfOrder: 0, keys });
      const leases = await consumer.leases.list(TEST_STREAM);
      expect(leases.find((l) => l.shardId === parent.ShardId)).toMatchObject({ state: 'finished', checkpoint: 'SHARD_END' });
      expect(leases.filter((l) => l.parentShardIds.includes(parent.ShardId!)).map((l) => l.shardId).sort()).toEqual(children.map((c) => c.ShardId).sort());
      consumers.splice(consumers.indexOf(consumer), 1);
      await consumer.close(); // before its proxy goes
    } finally {
      await own.stop();
    }
  });

  it('fails a subscribed shard over to another worker after kill -9, from the checkpoint, with no loss or double effect', async () => {
    const prefix = `${uniqueName('k')}-`;
    const group = uniqueName('g');
    const stream = `${prefix}${TEST_STREAM}`;
    await createStream(kinesis, stream, 2);
    const platform = new Pool({ connectionString: platformUrl, max: 1 });
    const leases = new LeaseStore(platform, group);
    try {
      const start = (id: string) =>
        new Promise<ChildProcess>((resolve, reject) => {
          const child = spawnTypeScript(join(TESTING_DIR, 'worker-process.ts'), {
            env: { ...process.env, TEST_OWNER_URL: db.url, TEST_KINESIS_ENDPOINT: engine.endpoint, CONSUMER_GROUP: group, WORKER_ID: id, STREAM_PREFIX: prefix, CONSUMER_MODE: 'efo' },
            stdio: ['ignore', 'pipe', 'pipe'],
          });
          children.push(child);
          let stderr = '';
          child.stderr!.on('data', (c) => (stderr += c));
          child.stdout!.on('data', (c: Buffer) => c.toString().includes('ready') && resolve(child));
          child.once('exit', (code) => reject(new Error(`worker ${id} exited with ${code}: ${stderr}`)));
        });
      const [victim] = await Promise.all([start('k1'), start('k2')]);
      await eventually('each worker holds a shard', async () => {
        const owners = (await leases.list(TEST_STREAM)).filter((l) => l.owner && !l.expired).map((l) => l.owner);
        expect(owners.sort()).toEqual(['k1', 'k2']);
      }, 30_000);
      const keys = 10;
      await putEvents(kinesis, stream, events('kill', keys, 0, 20));
      await eventually('records are applied by both', async () => expect((await effects('kill')).n).toBe(keys * 20), 60_000, 200);

      victim.kill('SIGKILL');
      await putEvents(kinesis, stream, events('kill', keys, 20, 40));
      await eventually('the survivor holds both shards', async () => {
        const owners = (await leases.list(TEST_STREAM)).filter((l) => l.owner && !l.expired).map((l) => l.owner);
        expect(owners).toEqual(['k2', 'k2']);
      }, 30_000, 200);
      await eventually('every record is applied', async () => expect((await effects('kill')).n).toBe(keys * 40), 90_000, 250);
      expect(await effects('kill')).toEqual({ n: keys * 40, distinct: keys * 40, outOfOrder: 0, keys });
      const { rows } = await alpha.query(`SELECT DISTINCT worker FROM effects WHERE partition_key LIKE 'kill-%' AND seq >= 20`);
      expect(rows.map((r) => r.worker)).toContain('k2');
    } finally {
      await platform.end();
    }
  });
});
