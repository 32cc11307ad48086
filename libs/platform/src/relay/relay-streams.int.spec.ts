import { DescribeStreamSummaryCommand } from '@aws-sdk/client-kinesis';
import { eventually, testKinesisClient, testKinesisEndpoint, uniqueName } from '../testing';
import { StreamProvisioner } from '../kinesis/stream-provisioner';
import type { Relay } from './relay';
import { appendEvents, createRelayWorld, expectCompleteAndOrdered, pendingRows, readStream, RelayWorld, startRelay } from './fixtures/relay-harness';

describe('relay streams and record format', () => {
  let world: RelayWorld;
  let relay: Relay | undefined;

  beforeEach(async () => {
    world = await createRelayWorld();
  });
  afterEach(async () => {
    await relay?.stop();
    relay = undefined;
    await world.drop();
  });

  it('creates a missing stream with the configured shard count, once, however many ask at the same time', async () => {
    const kinesis = testKinesisClient();
    const provisioner = new StreamProvisioner(kinesis, { shards: 3, retentionHours: 48 });
    const name = `${uniqueName('s')}-events`;
    await Promise.all([provisioner.ensure(name), new StreamProvisioner(kinesis, { shards: 3, retentionHours: 48 }).ensure(name)]);
    const summary = (await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: name }))).StreamDescriptionSummary!;
    expect(summary).toMatchObject({ StreamStatus: 'ACTIVE', OpenShardCount: 3, RetentionPeriodHours: 48 });
    kinesis.destroy();
  });

  it('publishes the stored envelope as record data and creates a stream a row names that did not exist', async () => {
    relay = startRelay(world, testKinesisEndpoint());
    const written = await appendEvents(world, 'orders', { count: 20, keys: ['a', 'b'], stream: 'custom-commands' });
    await eventually('the rows are published', async () => expect(await pendingRows(world)).toBe(0), 30_000);
    const onStream = await readStream(world.reader, `${world.prefix}custom-commands`);
    expectCompleteAndOrdered(written, onStream);
    const stored = onStream[0].event;
    expect(stored).toMatchObject({ specversion: '1.0', source: 'orders', partitionkey: onStream[0].partitionKey });
  });

  it('packs consecutive records of a key into KPL aggregated records when aggregation is on, in order', async () => {
    relay = startRelay(world, testKinesisEndpoint(), { KINESIS_AGGREGATION: 'on' });
    const keys = ['x', 'y', 'z'];
    const seqs = new Map<string, number>();
    const written = await appendEvents(world, 'users', { count: 10, keys, firstSeq: seqs });
    await eventually('the first rows are published', async () => expect(await pendingRows(world)).toBe(0), 30_000);
    await relay.stop();
    written.push(...(await appendEvents(world, 'users', { count: 600, keys, firstSeq: seqs, perTransaction: 200 })));
    relay = startRelay(world, testKinesisEndpoint(), { KINESIS_AGGREGATION: 'on' });
    await eventually('the backlog is published', async () => expect(await pendingRows(world)).toBe(0), 30_000);
    const kinesisRecords = { count: 0 };
    expectCompleteAndOrdered(written, await readStream(world.reader, `${world.prefix}users-events`, kinesisRecords));
    expect(kinesisRecords.count).toBeLessThan(written.length / 10);
  });
});
