import { randomUUID } from 'node:crypto';
import { DeleteStreamCommand, GetRecordsCommand, GetShardIteratorCommand, KinesisClient, SubscribeToShardCommand, _Record } from '@aws-sdk/client-kinesis';
import { decodeRecords, listShards, MetricsService, OrderedPublisher, RelayMetrics, StreamConsumerRegistry, StreamProvisioner } from '@eda/platform';

export interface KinesisSmokeOptions {
  /** The relay's and the polling consumer's client (HTTP/1.1). */
  kinesis: KinesisClient;
  /** The enhanced fan-out consumer's client (`subscribes`: HTTP/2 on AWS). */
  subscriber: KinesisClient;
  /** Every name the smoke creates starts with it (`eda-smoke-<random>-`). */
  prefix: string;
  kmsKeyId?: string;
  say: (line: string) => void;
  /** How long each read may take to find every record (default 60 s). */
  readTimeoutMs?: number;
}

const KEYS = 2;
const EVENTS_PER_KEY_AND_MODE = 3;

/**
 * What `npm run aws:smoke` proves against an account, with the app's own code: creates one stream
 * `<prefix>smoke-events` with the app's provisioner, publishes CloudEvents through the relay's ordered publisher
 * (one per record, then KPL-aggregated), reads them back both ways the consumer reads — GetRecords with the
 * consumer's shard listing and decoder, and an enhanced fan-out subscription through the consumer's stream-consumer
 * registry — checks each key's order each time, and deletes the stream (and its stream consumer) whatever happened.
 */
export async function runKinesisSmoke(options: KinesisSmokeOptions): Promise<void> {
  const { kinesis, subscriber, prefix, say } = options;
  const stream = `${prefix}smoke-events`;
  let created = false;
  try {
    say(`creating ${stream}`);
    const provisioner = new StreamProvisioner(kinesis, { shards: 1, retentionHours: 24, kmsKeyId: options.kmsKeyId });
    created = true; // from here on the finally deletes it, even when creation fails halfway
    await provisioner.ensureAll([stream]);

    const keys = Array.from({ length: KEYS }, () => randomUUID());
    const sent = new Map<string, string[]>(keys.map((k) => [k, []]));
    for (const aggregation of ['off', 'on'] as const) {
      const publisher = new OrderedPublisher(kinesis, provisioner, {
        streamPrefix: prefix,
        aggregation,
        // Nothing this script sends may be refused for good: a parking is a failed smoke test.
        parking: { park: async (parkings) => { throw new Error(`Kinesis refused ${parkings.length} record(s) for good`); } },
      }, new RelayMetrics(new MetricsService()), () => undefined);
      for (let i = 0; i < EVENTS_PER_KEY_AND_MODE; i++) {
        for (const key of keys) {
          const id = randomUUID();
          sent.get(key)!.push(id);
          const event = { specversion: '1.0', id, source: 'smoke', type: 'smoke.Checked', subject: key, time: new Date().toISOString(), partitionkey: key, data: { i, aggregation } };
          await publisher.push({ schema: 'smoke', position: String(i), stream: 'smoke-events', partitionKey: key, data: JSON.stringify(event) });
        }
      }
      await publisher.drain();
      await publisher.stop();
      say(`published ${KEYS * EVENTS_PER_KEY_AND_MODE} events ${aggregation === 'on' ? 'KPL-aggregated' : 'one per record'}`);
    }
    const expected = KEYS * EVENTS_PER_KEY_AND_MODE * 2;
    const timeoutMs = options.readTimeoutMs ?? 60_000;

    checkOrder('GetRecords', await readByPolling(kinesis, stream, expected, timeoutMs), sent);
    say(`read ${expected} events back with GetRecords, in order per key`);

    const consumerArn = await new StreamConsumerRegistry(subscriber, `${prefix}smoke`).consumerArn(stream);
    say(`registered enhanced fan-out consumer ${consumerArn}`);
    checkOrder('SubscribeToShard', await readBySubscription(subscriber, consumerArn, stream, expected, timeoutMs), sent);
    say(`read ${expected} events back with SubscribeToShard, in order per key: the app's Kinesis code works here`);
  } finally {
    if (created) {
      // EnforceConsumerDeletion: the stream consumer registered above goes with the stream.
      await kinesis.send(new DeleteStreamCommand({ StreamName: stream, EnforceConsumerDeletion: true })).then(
        () => say(`deleted ${stream}`),
        (error: Error) => error.name === 'ResourceNotFoundException' || say(`could not delete ${stream}: ${error.message}; delete it by hand`),
      );
    }
  }
}

function checkOrder(how: string, received: Array<{ partitionKey: string; id: string }>, sent: Map<string, string[]>): void {
  for (const [key, ids] of sent) {
    const got = received.filter((m) => m.partitionKey === key).map((m) => m.id);
    if (JSON.stringify(got) !== JSON.stringify(ids)) throw new Error(`${how}, key ${key}: read ${JSON.stringify(got)}, sent ${JSON.stringify(ids)}`);
  }
}

function decoded(records: _Record[]): Array<{ partitionKey: string; id: string }> {
  return decodeRecords(records).map((m) => {
    if (!m.event) throw new Error(`a record is not a CloudEvent: ${m.poison}`);
    return { partitionKey: m.partitionKey, id: m.event.id };
  });
}

/** Every user record of the stream from TRIM_HORIZON, read as the polling consumer reads (until `expected` arrive). */
async function readByPolling(kinesis: KinesisClient, stream: string, expected: number, timeoutMs: number): Promise<Array<{ partitionKey: string; id: string }>> {
  const out: Array<{ partitionKey: string; id: string }> = [];
  const deadline = Date.now() + timeoutMs;
  for (const shard of (await listShards(kinesis, stream)) ?? []) {
    let { ShardIterator: iterator } = await kinesis.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: shard.shardId, ShardIteratorType: 'TRIM_HORIZON' }));
    while (iterator && out.length < expected && Date.now() < deadline) {
      const page = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
      out.push(...decoded(page.Records ?? []));
      iterator = page.NextShardIterator;
      await new Promise((r) => setTimeout(r, 250)); // 5 GetRecords per second per shard
    }
  }
  return out;
}

/** The same, pushed over an enhanced fan-out subscription per shard from TRIM_HORIZON. */
async function readBySubscription(
  subscriber: KinesisClient,
  consumerArn: string,
  stream: string,
  expected: number,
  timeoutMs: number,
): Promise<Array<{ partitionKey: string; id: string }>> {
  const out: Array<{ partitionKey: string; id: string }> = [];
  for (const shard of (await listShards(subscriber, stream)) ?? []) {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), timeoutMs);
    try {
      const response = await subscriber.send(
        new SubscribeToShardCommand({ ConsumerARN: consumerArn, ShardId: shard.shardId, StartingPosition: { Type: 'TRIM_HORIZON' } }),
        { abortSignal: abort.signal },
      );
      for await (const event of response.EventStream ?? []) {
        out.push(...decoded(event.SubscribeToShardEvent?.Records ?? []));
        if (out.length >= expected) break;
      }
    } catch (error) {
      if (!abort.signal.aborted) throw error;
    } finally {
      clearTimeout(timer);
      abort.abort(); // closes the subscription
    }
  }
  if (out.length < expected) throw new Error(`SubscribeToShard delivered ${out.length} of ${expected} events in ${timeoutMs} ms`);
  return out;
}
