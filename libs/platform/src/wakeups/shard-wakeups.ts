/** Told which shards of a (physical) stream just received records. */
export type ShardWakeListener = (stream: string, shardIds: readonly string[]) => void;

/**
 * The in-process half of "wake on publish": the relay says which shards a confirmed PutRecords wrote to,
 * and every shard reader of this process that listens reads at once instead of at its next tick. A wake
 * is only a hint: readers keep their own pace limit and tick, so a lost wake costs one tick, never a record.
 * The cross-process half (PostgreSQL LISTEN/NOTIFY) is PgWakeupChannel, which feeds the same hub.
 */
export class ShardWakeups {
  private readonly listeners = new Set<ShardWakeListener>();
  private readonly outbound = new Set<ShardWakeListener>();

  /** Readers: called on every wake, local or from another process. Returns the unsubscribe function. */
  subscribe(listener: ShardWakeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The channel to other processes: told of every local publish (not of wakes that came from outside). */
  forward(listener: ShardWakeListener): () => void {
    this.outbound.add(listener);
    return () => this.outbound.delete(listener);
  }

  /** The relay: records are on these shards now. Wakes local readers and tells other processes. */
  published(stream: string, shardIds: readonly string[]): void {
    if (shardIds.length === 0) return;
    this.deliver(stream, shardIds);
    for (const forward of this.outbound) forward(stream, shardIds);
  }

  /** A wake that arrived from another process. */
  deliver(stream: string, shardIds: readonly string[]): void {
    for (const listener of this.listeners) {
      try {
        listener(stream, shardIds);
      } catch {
        // A listener's failure must not stop the others; the tick still covers its shard.
      }
    }
  }
}
