import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { Logger } from '@nestjs/common';
import type { ConsumerMetrics } from './consumer-metrics';
import type { ConsumerOptions } from './consumer-options';
import type { DeadLetterStore } from './dead-letters/dead-letter-store';
import { planLeaseTakes } from './leases/lease-balancer';
import { leaseKey, LeaseRejection, LeaseStore, StreamReset } from './leases/lease-store';
import { MessageDispatcher } from './dispatch/message-dispatcher';
import type { RegisteredHandler } from './handlers/message-handler';
import { describeStream, listShards } from './reading/shard-discovery';
import { ReaderTrouble, ShardReader } from './reading/shard-reader';
import { FanOutReader } from './reading/fan-out-reader';
import type { LeaseReader } from './reading/lease-reader';
import { StreamConsumerRegistry } from './reading/stream-consumer-registry';
import type { ShardWakeups } from '../wakeups/shard-wakeups';

export interface ConsumerWorkerDeps {
  kinesis: KinesisClient;
  leases: LeaseStore;
  deadLetters: DeadLetterStore;
  metrics: ConsumerMetrics;
  options: ConsumerOptions;
  handlers: RegisteredHandler[];
  /** Runs once before the first shard sync (e.g. the event-log backfill of a new group). */
  beforeFirstSync?: () => Promise<void>;
  /** Wake-ups from the relay (this process's or another's): the readers of the shards it wrote to read at once. */
  wakeups?: ShardWakeups;
}

/**
 * One consumer worker (one per process): every tick it renews its leases, drops readers of leases it lost,
 * takes free, expired or stolen leases up to its fair share, and keeps one reader per held shard. Now and
 * then it lists the subscribed streams' shards and records new ones (resharding, streams created late).
 */
export class ConsumerWorker {
  private readonly logger = new Logger('ConsumerWorker');
  private readonly readers = new Map<string, LeaseReader>();
  private readonly dispatcher: MessageDispatcher;
  private timer: NodeJS.Timeout | null = null;
  private ticking: Promise<void> = Promise.resolve();
  private running = false;
  private lastSync = 0;
  private synced = false;
  /** Reported by readers since the last shard sync, which judges them. */
  private troubles: ReaderTrouble[] = [];
  /** Subscribed streams that do not exist (or cannot be read) at the last sync: no reader is started on them. */
  private readonly absent = new Set<string>();
  private unsubscribeWakeups?: () => void;
  /** Enhanced fan-out only: the group's registered stream consumers. */
  private readonly consumers: StreamConsumerRegistry | null;

  constructor(private readonly deps: ConsumerWorkerDeps) {
    this.dispatcher = new MessageDispatcher(deps.handlers, deps.deadLetters, deps.metrics, deps.options);
    this.consumers = deps.options.mode === 'efo' ? new StreamConsumerRegistry(deps.kinesis, deps.options.consumerGroup) : null;
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
    this.unsubscribeWakeups = this.deps.wakeups?.subscribe((stream, shardIds) => this.wake(stream, shardIds));
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

  /** Graceful stop (docs/architecture.md §3.5): stop reading, finish in-flight handlers, checkpoint, release the leases. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.unsubscribeWakeups?.();
    if (this.timer) clearTimeout(this.timer);
    await this.ticking;
    const readers = [...this.readers.values()];
    this.readers.clear();
    await Promise.all(readers.map((r) => r.stop()));
    // Every lease this worker owns, not only those it read: a tick cut short by the stop may have taken one
    // without starting its reader yet, and that lease must not wait for its expiry to move.
    const owned = await this.deps.leases.list().then((all) => all.filter((l) => l.owner === this.workerId), () => readers.map((r) => r.lease));
    for (const l of owned) await this.deps.leases.release(l.stream, l.shardId, this.workerId).catch(() => undefined);
    this.deps.metrics.leasesOwned.set({ worker: this.workerId }, 0);
    this.logger.log(`Worker ${this.workerId} stopped and released ${owned.length} lease(s)`);
  }

  /** Wakes this worker's readers of the given shards of a physical stream. */
  wake(physicalStream: string, shardIds: readonly string[]): void {
    if (!physicalStream.startsWith(this.deps.options.streamPrefix)) return;
    const stream = physicalStream.slice(this.deps.options.streamPrefix.length);
    for (const shardId of shardIds) this.readers.get(leaseKey(stream, shardId))?.wake();
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
      if (!this.streams.includes(lease.stream) || this.absent.has(lease.stream)) continue;
      const readerDeps = { ...this.deps, dispatcher: this.dispatcher, onTrouble: (t: ReaderTrouble) => this.reportTrouble(t) };
      const reader: LeaseReader = this.consumers
        ? new FanOutReader({ ...readerDeps, consumers: this.consumers }, lease, this.physical(lease.stream))
        : new ShardReader(readerDeps, lease, this.physical(lease.stream));
      this.readers.set(key, reader);
      reader.start();
    }
    metrics.leasesOwned.set({ worker: options.workerId }, this.readers.size);
  }

  private reportTrouble(trouble: ReaderTrouble): void {
    this.troubles.push(trouble);
    this.lastSync = 0; // judge it at the next tick, not a whole sync period later
  }

  /**
   * Lists each subscribed stream's shards and records new ones. First it checks that the group's leases belong to
   * the stream Kinesis has now (docs/architecture.md §2): a stream re-created since (local engine data lost, or deleted and made
   * again) has none of the sequence numbers the checkpoints name, so its leases are dropped and it is read from
   * TRIM_HORIZON.
   */
  private async syncShards(): Promise<void> {
    const troubles = this.troubles;
    this.troubles = [];
    for (const stream of this.streams) {
      const incarnation = await describeStream(this.deps.kinesis, this.physical(stream));
      const shards = incarnation?.readable ? await listShards(this.deps.kinesis, this.physical(stream)) : null;
      if (!incarnation || !shards) {
        this.absent.add(stream); // the relay or start-up creates streams; wait for it
        continue;
      }
      this.absent.delete(stream);
      const listed = new Set(shards.map((s) => s.shardId));
      const rejections: LeaseRejection[] = troubles
        .filter((t) => t.stream === stream && (t.kind === 'checkpoint-refused' || !listed.has(t.shardId)))
        .map((t) => ({
          shardId: t.shardId,
          leaseCreatedAt: t.leaseCreatedAt,
          kind: t.kind === 'checkpoint-refused' ? 'checkpoint' : 'shard',
          checkpoint: t.checkpoint,
          reason: t.reason,
        }));
      const reset = await this.deps.leases.reconcileStream(stream, incarnation.createdAt, rejections);
      if (reset) this.afterReset(reset);
      // Parents first, so a worker never sees a child whose parents are not recorded yet.
      for (const shard of shards) await this.deps.leases.createIfMissing(stream, shard.shardId, shard.parentShardIds);
    }
    this.lastSync = Date.now();
    this.synced = true;
    this.deps.metrics.deadLettersParked.set(await this.deps.deadLetters.countParked());
  }

  private afterReset(reset: StreamReset): void {
    for (const [key, reader] of this.readers) {
      if (reader.lease.stream !== reset.stream) continue;
      this.readers.delete(key);
      void reader.stop(); // its checkpoints name the dropped lease row, so they cannot touch the new one
    }
    const physical = this.physical(reset.stream);
    this.consumers?.forget(physical); // a re-created stream has no consumer yet
    this.deps.metrics.streamResets.inc({ stream: physical });
    const time = (d: Date | null) => (d ? d.toISOString() : 'unknown');
    this.logger.error(
      `Stream ${physical} is not the stream consumer group ${this.deps.options.consumerGroup} was reading: ${reset.cause}. ` +
        `Leases created at ${time(reset.oldestLeaseCreatedAt)}; stream created at ${time(reset.streamCreatedAt)}` +
        (reset.previousStreamCreatedAt ? ` (the leases' stream was created at ${time(reset.previousStreamCreatedAt)})` : '') +
        `. The Kinesis engine lost its data or the stream was deleted and re-created. Dropped ${reset.leasesDropped} stale lease(s); ` +
        `reading the new stream from TRIM_HORIZON (the inbox absorbs repeats). Records only the old stream held are not re-delivered; the event log still has them.`,
    );
  }

  private physical(stream: string): string {
    return `${this.deps.options.streamPrefix}${stream}`;
  }
}
