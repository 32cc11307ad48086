import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { Logger } from '@nestjs/common';
import type { ConsumerMetrics } from './consumer-metrics';
import type { ConsumerOptions } from './consumer-options';
import type { DeadLetterStore } from './dead-letter-store';
import { planLeaseTakes } from './lease-balancer';
import { leaseKey, LeaseStore } from './lease-store';
import { MessageDispatcher } from './message-dispatcher';
import type { RegisteredHandler } from './message-handler';
import { listShards } from './shard-discovery';
import { ShardReader } from './shard-reader';

export interface ConsumerWorkerDeps {
  kinesis: KinesisClient;
  leases: LeaseStore;
  deadLetters: DeadLetterStore;
  metrics: ConsumerMetrics;
  options: ConsumerOptions;
  handlers: RegisteredHandler[];
  /** Runs once before the first shard sync (e.g. the event-log backfill of a new group). */
  beforeFirstSync?: () => Promise<void>;
}

/**
 * One consumer worker (one per process): every tick it renews its leases, drops readers of leases it lost,
 * takes free, expired or stolen leases up to its fair share, and keeps one reader per held shard. Now and
 * then it lists the subscribed streams' shards and records new ones (resharding, streams created late).
 */
export class ConsumerWorker {
  private readonly logger = new Logger('ConsumerWorker');
  private readonly readers = new Map<string, ShardReader>();
  private readonly dispatcher: MessageDispatcher;
  private timer: NodeJS.Timeout | null = null;
  private ticking: Promise<void> = Promise.resolve();
  private running = false;
  private lastSync = 0;
  private synced = false;

  constructor(private readonly deps: ConsumerWorkerDeps) {
    this.dispatcher = new MessageDispatcher(deps.handlers, deps.deadLetters, deps.metrics, deps.options);
  }

  get workerId(): string {
    return this.deps.options.workerId;
  }

  /** Logical streams with at least one subscribed handler. */
  get streams(): string[] {
    return [...new Set(this.deps.handlers.flatMap((h) => [...h.subscriptions.keys()]))].sort();
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.logger.log(`Worker ${this.workerId} of group ${this.deps.options.consumerGroup} reads ${this.streams.map((s) => this.physical(s)).join(', ') || 'nothing'}`);
    const loop = () => {
      this.ticking = this.tick()
        .catch((error) => this.logger.warn(`Lease round failed: ${(error as Error).message}`))
        .finally(() => {
          if (this.running) this.timer = setTimeout(loop, this.deps.options.leaseTickMs);
        });
    };
    loop();
  }

  /** Graceful stop (DESIGN: shutdown): stop reading, finish in-flight handlers, checkpoint, release the leases. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    await this.ticking;
    const readers = [...this.readers.values()];
    this.readers.clear();
    await Promise.all(readers.map((r) => r.stop()));
    for (const r of readers) await this.deps.leases.release(r.lease.stream, r.lease.shardId, this.workerId).catch(() => undefined);
    this.deps.metrics.leasesOwned.set({ worker: this.workerId }, 0);
    this.logger.log(`Worker ${this.workerId} stopped and released ${readers.length} lease(s)`);
  }

  heldShards(): Array<{ stream: string; shardId: string; millisBehindLatest: number | null }> {
    return [...this.readers.values()].map((r) => ({ stream: r.lease.stream, shardId: r.lease.shardId, millisBehindLatest: r.millisBehindLatest }));
  }

  private async tick(): Promise<void> {
    const { leases, options, metrics } = this.deps;
    if (!this.synced && this.deps.beforeFirstSync) await this.deps.beforeFirstSync();
    if (!this.synced || Date.now() - this.lastSync >= options.shardSyncMs) await this.syncShards();

    for (const [key, reader] of this.readers) if (reader.finished) this.readers.delete(key);

    const lost = await leases.renew(options.workerId, options.leaseDurationMs, this.heldShards());
    for (const key of lost) {
      const reader = this.readers.get(key);
      this.readers.delete(key);
      if (reader) void reader.stop();
    }

    const all = await leases.list();
    for (const candidate of planLeaseTakes(all, options.workerId)) {
      const taken = await leases.take(candidate, options.workerId, options.leaseDurationMs);
      if (taken) this.logger.log(`Took ${taken.stream}/${taken.shardId} from ${candidate.owner ?? 'nobody'}`);
    }
    if (!this.running) return;
    for (const lease of await leases.list()) {
      const key = leaseKey(lease.stream, lease.shardId);
      if (lease.owner !== options.workerId || lease.state !== 'active' || this.readers.has(key)) continue;
      if (!this.streams.includes(lease.stream)) continue;
      const reader = new ShardReader({ ...this.deps, dispatcher: this.dispatcher }, lease, this.physical(lease.stream));
      this.readers.set(key, reader);
      reader.start();
    }
    metrics.leasesOwned.set({ worker: options.workerId }, this.readers.size);
  }

  private async syncShards(): Promise<void> {
    for (const stream of this.streams) {
      const shards = await listShards(this.deps.kinesis, this.physical(stream));
      if (!shards) continue; // the relay creates streams; wait for it
      // Parents first, so a worker never sees a child whose parents are not recorded yet.
      for (const shard of shards) await this.deps.leases.createIfMissing(stream, shard.shardId, shard.parentShardIds);
    }
    this.lastSync = Date.now();
    this.synced = true;
    this.deps.metrics.deadLettersParked.set(await this.deps.deadLetters.countParked());
  }

  private physical(stream: string): string {
    return `${this.deps.options.streamPrefix}${stream}`;
  }
}
