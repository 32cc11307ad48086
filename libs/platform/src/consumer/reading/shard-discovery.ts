import { DescribeStreamSummaryCommand, KinesisClient, ListShardsCommand, ListShardsCommandOutput } from '@aws-sdk/client-kinesis';

export interface DiscoveredShard {
  shardId: string;
  parentShardIds: string[];
}

/** Every shard of a stream (open and closed, with their parents), or null while the stream does not exist. */
export async function listShards(kinesis: KinesisClient, streamName: string): Promise<DiscoveredShard[] | null> {
  const shards: DiscoveredShard[] = [];
  let nextToken: string | undefined;
  do {
    let page: ListShardsCommandOutput;
    try {
      page = await kinesis.send(new ListShardsCommand(nextToken ? { NextToken: nextToken } : { StreamName: streamName }));
    } catch (error) {
      if ((error as Error).name === 'ResourceNotFoundException') return null;
      throw error;
    }
    for (const s of page.Shards ?? []) {
      shards.push({
        shardId: s.ShardId!,
        parentShardIds: [s.ParentShardId, s.AdjacentParentShardId].filter((p): p is string => !!p),
      });
    }
    nextToken = page.NextToken;
  } while (nextToken);
  return shards;
}

export interface StreamIncarnation {
  /** Tells one stream from another of the same name (deleted and re-created, or a local engine that lost its data). */
  createdAt: Date;
  /** Only ACTIVE and UPDATING streams can be read. */
  readable: boolean;
}

/** The stream's creation time and whether it can be read now, or null while no stream has that name. */
export async function describeStream(kinesis: KinesisClient, streamName: string): Promise<StreamIncarnation | null> {
  try {
    const { StreamDescriptionSummary: summary } = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: streamName }));
    return {
      createdAt: summary!.StreamCreationTimestamp!,
      readable: summary!.StreamStatus === 'ACTIVE' || summary!.StreamStatus === 'UPDATING',
    };
  } catch (error) {
    if ((error as Error).name === 'ResourceNotFoundException') return null;
    throw error;
  }
}
