import { GetRecordsCommand, GetShardIteratorCommand, KinesisClient, ListShardsCommand } from '@aws-sdk/client-kinesis';
import { decodeRecords, DecodedMessage } from '../consumer/dispatch/record-decoder';
import type { CloudEvent } from '../event-log/cloud-event';

/**
 * Every user record of every shard of a stream from TRIM_HORIZON, in shard order, KPL aggregates unpacked by
 * the consumer's own decoder — for tests that check what reached Kinesis. Not a consumer: no leases, no
 * checkpoints. `kinesisRecords.count` is raised by the number of Kinesis records read (before unpacking).
 */
export async function readStreamMessages(kinesis: KinesisClient, streamName: string, kinesisRecords = { count: 0 }): Promise<DecodedMessage[]> {
  const { Shards = [] } = await kinesis.send(new ListShardsCommand({ StreamName: streamName }));
  const messages: DecodedMessage[] = [];
  for (const shard of Shards) {
    let { ShardIterator: iterator } = await kinesis.send(
      new GetShardIteratorCommand({ StreamName: streamName, ShardId: shard.ShardId!, ShardIteratorType: 'TRIM_HORIZON' }),
    );
    while (iterator) {
      const page = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
      kinesisRecords.count += page.Records?.length ?? 0;
      messages.push(...decodeRecords(page.Records ?? []));
      if (!page.Records?.length || page.MillisBehindLatest === 0) break;
      iterator = page.NextShardIterator;
    }
  }
  return messages;
}

/** The CloudEvents on a stream (see readStreamMessages); a record that is not one fails the test. */
export async function readStream(kinesis: KinesisClient, streamName: string): Promise<CloudEvent[]> {
  return (await readStreamMessages(kinesis, streamName)).map((m) => {
    if (!m.event) throw new Error(`a record on ${streamName} is not a CloudEvent: ${m.poison}`);
    return m.event;
  });
}
