import { GetRecordsCommand, GetShardIteratorCommand, KinesisClient, ListShardsCommand } from '@aws-sdk/client-kinesis';
import type { CloudEvent } from '../event-log/cloud-event';

/**
 * Reads every record of a stream from TRIM_HORIZON (all shards) and parses the CloudEvents, for tests that
 * check what reached Kinesis. Not a consumer: no leases, no checkpoints.
 */
export async function readStream(kinesis: KinesisClient, streamName: string): Promise<CloudEvent[]> {
  const { Shards = [] } = await kinesis.send(new ListShardsCommand({ StreamName: streamName }));
  const events: CloudEvent[] = [];
  for (const shard of Shards) {
    let { ShardIterator: iterator } = await kinesis.send(
      new GetShardIteratorCommand({ StreamName: streamName, ShardId: shard.ShardId!, ShardIteratorType: 'TRIM_HORIZON' }),
    );
    while (iterator) {
      const page = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
      for (const record of page.Records ?? []) events.push(JSON.parse(Buffer.from(record.Data!).toString('utf8')));
      if (!page.Records?.length || page.MillisBehindLatest === 0) break;
      iterator = page.NextShardIterator;
    }
  }
  return events;
}
