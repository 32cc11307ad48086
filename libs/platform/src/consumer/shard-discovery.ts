import { KinesisClient, ListShardsCommand, ListShardsCommandOutput } from '@aws-sdk/client-kinesis';

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
