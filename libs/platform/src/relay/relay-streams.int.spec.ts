import { DescribeStreamSummaryCommand } from '@aws-sdk/client-kinesis';
import { eventually, testKinesisClient, testKinesisEndpoint, uniqueName } from '../testing';
import { StreamProvisioner } from '../kinesis/stream-provisioner';
import { appendEvents, expectCompleteAndOrdered, pendingRows, readStream, useRelayWorld } from '../testing/relay-test-kit';

describe('relay streams and record format', () => {
  const kit = useRelayWorld();

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
    const { world } = kit;
    kit.startRelay(testKinesisEndpoint());
    const written = await appendEvents(world, 'orders', { count: 20, keys: ['a', 'b'], stream: 'custom-commands' });
    await eventually('the rows are published', async () => expect(await pendingRows(world)).toBe(0), 30_000);
    const onStream = await readStream(world, 'custom-commands');
    expectCompleteAndOrdered(written, onStream);
    const stored = onStream[0].event;
    expect(stored).toMatchObject({ specversion: '1.0', source: 'orders', partitionkey: onStream[0].partitionKey });
  });

  it('packs consecutive records of a key into KPL aggregated records when aggregation is on, in order', async () => {
    const { world } = kit;
    const relay = kit.startRelay(testKinesisEndpoint(), { KINESIS_AGGREGATION: 'on' });
    const keys = ['x', 'y', 'z'];
    const seqs = new Map<string, number>();
    const written = await appendEvents(world, 'users', { count: 10, keys, firstSeq: seqs });
    await eventually('the first rows are published', async () => expect(await pendingRows(world)).toBe(0), 30_000);
    await relay.stop();
    written.push(...(await appendEvents(world, 'users', { count: 600, keys, firstSeq: seqs, perTransaction: 200 })));
    kit.startRelay(testKinesisEndpoint(), { KINESIS_AGGREGATION: 'on' });
    await eventually('the backlog is published', async () => expect(await pendingRows(world)).toBe(0), 30_000);
    const kinesisRecords = { count: 0 };
    expectCompleteAndOrdered(written, await readStream(world, 'users-events', kinesisRecords));
    expect(kinesisRecords.count).toBeLessThan(written.length / 10);
  });
});
