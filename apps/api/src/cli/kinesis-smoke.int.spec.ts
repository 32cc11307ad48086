import { KinesisClient, ListStreamsCommand } from '@aws-sdk/client-kinesis';
import { createKinesisClient } from '@eda/platform';
import { eventually, FanOutFaultProxy, KinesisLocalHandle, startKinesisLocal, uniqueName } from '@eda/platform/testing';
import { runKinesisSmoke } from './kinesis-smoke';

/**
 * `npm run aws:smoke` against kinesis-local (the engine with enhanced fan-out) instead of an account: the same
 * code writes, reads both ways and cleans up; the CLI around it only refuses to run without a region or with an endpoint.
 */
describe('aws:smoke on a local engine', () => {
  let engine: KinesisLocalHandle;
  let proxy: FanOutFaultProxy;
  let kinesis: KinesisClient;

  beforeAll(async () => {
    engine = await startKinesisLocal();
    proxy = await new FanOutFaultProxy(engine.endpoint).start();
    kinesis = createKinesisClient({ endpoint: engine.endpoint, region: 'us-east-1', description: 'kinesis-local' }, { maxAttempts: 3 });
  }, 120_000);

  afterAll(async () => {
    kinesis?.destroy();
    await proxy?.stop();
    await engine?.stop();
  });

  const streamsOf = async (prefix: string) => ((await kinesis.send(new ListStreamsCommand({}))).StreamNames ?? []).filter((n) => n.startsWith(prefix));
  /** DeleteStream answers while the stream is DELETING; the engine lists it until it is gone. */
  const gone = (prefix: string) => eventually('the smoke stream is gone', async () => expect(await streamsOf(prefix)).toEqual([]), 30_000, 250);

  it('creates a prefixed stream, reads back what the relay wrote by GetRecords and by SubscribeToShard in key order, and deletes the stream', async () => {
    const prefix = `${uniqueName('smoke')}-`;
    const subscriber = createKinesisClient({ endpoint: engine.endpoint, region: 'us-east-1', description: 'kinesis-local' }, { maxAttempts: 3, subscribes: true });
    const lines: string[] = [];
    try {
      await runKinesisSmoke({ kinesis, subscriber, prefix, say: (line) => lines.push(line), readTimeoutMs: 30_000 });
    } finally {
      subscriber.destroy();
    }
    expect(lines).toEqual([
      `creating ${prefix}smoke-events`,
      'published 6 events one per record',
      'published 6 events KPL-aggregated',
      'read 12 events back with GetRecords, in order per key',
      expect.stringMatching(new RegExp(`^registered enhanced fan-out consumer arn:aws:kinesis:.*:stream/${prefix}smoke-events/consumer/${prefix}smoke`)),
      "read 12 events back with SubscribeToShard, in order per key: the app's Kinesis code works here",
      `deleted ${prefix}smoke-events`,
    ]);
    await gone(prefix);
  });

  it('deletes what it made when a step fails halfway, and reports the failure', async () => {
    const prefix = `${uniqueName('smoke')}-`;
    const subscriber = createKinesisClient({ endpoint: proxy.endpoint, region: 'us-east-1', description: 'proxy' }, { maxAttempts: 1, subscribes: true });
    proxy.refuseNext('SubscribeToShard', 'AccessDeniedException', 'not authorized to perform kinesis:SubscribeToShard (injected)');
    const lines: string[] = [];
    try {
      await expect(runKinesisSmoke({ kinesis, subscriber, prefix, say: (line) => lines.push(line), readTimeoutMs: 30_000 })).rejects.toThrow(/SubscribeToShard/);
    } finally {
      subscriber.destroy();
    }
    expect(lines.at(-1)).toBe(`deleted ${prefix}smoke-events`);
    await gone(prefix);
  });
});
