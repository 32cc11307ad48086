// `npm run aws:smoke`: proves the app's Kinesis code against a real AWS account. With AWS_REGION and credentials
// (the SDK's default chain: environment, profile, SSO, instance role), it creates one stream under a fresh prefix
// `eda-smoke-<random>-` with the app's provisioner, publishes CloudEvents through the relay's ordered publisher
// (plain and KPL-aggregated), reads them back with the consumer's shard listing and decoder, checks each key's
// order, and deletes the stream whatever happened. It costs one provisioned shard for about a minute.
import { randomBytes, randomUUID } from 'node:crypto';
import { DeleteStreamCommand, GetRecordsCommand, GetShardIteratorCommand, KinesisClient } from '@aws-sdk/client-kinesis';
import { createKinesisClient, decodeRecords, listShards, MetricsService, OrderedPublisher, RelayMetrics, StreamProvisioner } from '@eda/platform';

const say = (line: string) => process.stdout.write(`${line}\n`);

async function main(): Promise<number> {
  const region = process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  if (!region) {
    process.stderr.write('aws:smoke needs AWS_REGION (and credentials): it creates and deletes a stream in a real account\n');
    return 78;
  }
  if (process.env.KINESIS_ENDPOINT) {
    process.stderr.write('aws:smoke talks to real AWS: unset KINESIS_ENDPOINT\n');
    return 78;
  }
  const kinesis = createKinesisClient({ region, description: `AWS Kinesis in ${region}` }, { maxAttempts: 5 });
  try {
    await kinesis.config.credentials();
  } catch (error) {
    process.stderr.write(`aws:smoke found no AWS credentials (${(error as Error).message})\n`);
    kinesis.destroy();
    return 78;
  }
  const prefix = `eda-smoke-${randomBytes(4).toString('hex')}-`;
  const stream = `${prefix}smoke-events`;
  let created = false;
  try {
    say(`creating ${stream} in ${region}`);
    const provisioner = new StreamProvisioner(kinesis, { shards: 1, retentionHours: 24, kmsKeyId: process.env.STREAM_KMS_KEY_ID });
    created = true; // from here on the finally deletes it, even when creation fails halfway
    await provisioner.ensureAll([stream]);

    const keys = [randomUUID(), randomUUID()];
    const sent = new Map<string, string[]>(keys.map((k) => [k, []]));
    for (const aggregation of ['off', 'on'] as const) {
      const publisher = new OrderedPublisher(kinesis, provisioner, {
        streamPrefix: prefix,
        aggregation,
        // Nothing this script sends may be refused for good: a parking is a failed smoke test.
        parking: { park: async (parkings) => { throw new Error(`Kinesis refused ${parkings.length} record(s) for good`); } },
      }, new RelayMetrics(new MetricsService()), () => undefined);
      for (let i = 0; i < 3; i++) {
        for (const key of keys) {
          const id = randomUUID();
          sent.get(key)!.push(id);
          const event = { specversion: '1.0', id, source: 'smoke', type: 'smoke.Checked', subject: key, time: new Date().toISOString(), partitionkey: key, data: { i, aggregation } };
          await publisher.push({ schema: 'smoke', position: String(i), stream: 'smoke-events', partitionKey: key, data: JSON.stringify(event) });
        }
      }
      await publisher.drain();
      await publisher.stop();
      say(`published ${keys.length * 3} events ${aggregation ? 'KPL-aggregated' : 'one per record'}`);
    }

    const received = await readAll(kinesis, stream, keys.length * 6);
    for (const key of keys) {
      const got = received.filter((m) => m.partitionKey === key).map((m) => m.id);
      if (JSON.stringify(got) !== JSON.stringify(sent.get(key))) throw new Error(`key ${key}: read ${JSON.stringify(got)}, sent ${JSON.stringify(sent.get(key))}`);
    }
    say(`read ${received.length} events back, in order per key: the app's Kinesis code works in ${region}`);
    return 0;
  } finally {
    if (created) {
      await kinesis.send(new DeleteStreamCommand({ StreamName: stream, EnforceConsumerDeletion: true })).then(
        () => say(`deleted ${stream}`),
        (error: Error) => error.name === 'ResourceNotFoundException' || process.stderr.write(`could not delete ${stream}: ${error.message}; delete it by hand\n`),
      );
    }
    kinesis.destroy();
  }
}

/** Every user record of the stream from TRIM_HORIZON, read as the consumer reads (until `expected` arrive or 60 s pass). */
async function readAll(kinesis: KinesisClient, stream: string, expected: number): Promise<Array<{ partitionKey: string; id: string }>> {
  const out: Array<{ partitionKey: string; id: string }> = [];
  const deadline = Date.now() + 60_000;
  for (const shard of (await listShards(kinesis, stream)) ?? []) {
    let { ShardIterator: iterator } = await kinesis.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: shard.shardId, ShardIteratorType: 'TRIM_HORIZON' }));
    while (iterator && out.length < expected && Date.now() < deadline) {
      const page = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
      for (const m of decodeRecords(page.Records ?? [])) {
        if (!m.event) throw new Error(`a record is not a CloudEvent: ${m.poison}`);
        out.push({ partitionKey: m.partitionKey, id: m.event.id });
      }
      iterator = page.NextShardIterator;
      await new Promise((r) => setTimeout(r, 250)); // 5 GetRecords per second per shard
    }
  }
  return out;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`aws:smoke failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
