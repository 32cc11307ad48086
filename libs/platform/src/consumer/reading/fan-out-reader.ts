import { SubscribeToShardCommand, SubscribeToShardEvent } from '@aws-sdk/client-kinesis';
import { Logger } from '@nestjs/common';
import { fullJitterDelay } from '../../kinesis/backoff';
import { Lease, SHARD_END, TRIM_HORIZON } from '../leases/lease-store';
import { listShards } from './shard-discovery';
import { LeaseReader } from './lease-reader';
import type { ShardReaderDeps } from './shard-reader';
import type { StreamConsumerRegistry } from './stream-consumer-registry';

export interface FanOutReaderDeps extends ShardReaderDeps {
  consumers: StreamConsumerRegistry;
}

const errorName = (error: unknown) => (error as { name?: string })?.name ?? '';

/**
 * Reads one leased shard with enhanced fan-out (ADR 0015): a SubscribeToShard push from the lease's checkpoint,
 * renewed from the last continuation sequence number before Kinesis ends it (5 minutes), and again at once when
 * the engine ends it early. Each event's records go through the same dispatcher, checkpoint and dead letters as
 * polling. A closed shard ends with ChildShards: the children are recorded and the lease finished, so they start
 * only once this parent is drained.
 */
export class FanOutReader extends LeaseReader {
  protected readonly noun = 'Subscriber';
  protected readonly logger = new Logger('FanOutReader');
  /** Ends the subscription in flight (stop). */
  private interrupt: (() => void) | null = null;
  /** The last record every subscriber finished (what the lease holds). */
  private checkpoint: string;
  /** Where the next subscription starts (after it): the continuation of the last event fully handled, or the checkpoint. */
  private position: string;
  /** Set when a listing showed the shard closed; an empty event after that means it is drained. */
  private closedChildren: Array<{ shardId: string; parentShardIds: string[] }> | null = null;
  private lastClosedCheck = 0;

  constructor(
    private readonly deps: FanOutReaderDeps,
    lease: Lease,
    physicalStream: string,
  ) {
    super(deps.onTrouble, lease, physicalStream);
    this.checkpoint = lease.checkpoint;
    this.position = lease.checkpoint;
  }

  /** The subscription in flight is closed on stop (its finished prefix is checkpointed). */
  protected override interruptWork(): void {
    this.interrupt?.();
  }

  /** Records are pushed as they arrive: a relay wake-up has nothing to add. */
  wake(): void {}

  protected async run(): Promise<void> {
    if (this.checkpoint === SHARD_END) return;
    const parked = await this.deps.deadLetters.parkedKeys(this.lease.stream);
    let failures = 0;
    let notFound = 0;
    let refusedOnce = false;
    while (!this.stopping) {
      const outcome = await this.subscribe(parked).catch((error: unknown) => ({ error }));
      if (outcome === 'stop') return;
      if (outcome === 'renew') {
        failures = 0;
        notFound = 0;
        refusedOnce = false;
        continue;
      }
      const { error } = outcome;
      const name = errorName(error);
      const message = (error as Error).message;
      if (name === 'ResourceInUseException') {
        // The previous subscription of this consumer to this shard is still open at Kinesis (our own, just renewed,
        // or a dead owner's connection not yet noticed): it lets go within seconds.
        if (failures >= 3) this.logger.warn(`SubscribeToShard on ${this.where}: another subscription is still open (${message}); retrying`);
      } else if (name === 'ResourceNotFoundException') {
        // The consumer may have been deregistered (look it up again); a second miss means the stream or shard is gone.
        this.deps.consumers.forget(this.physicalStream);
        if (++notFound >= 2) {
          this.trouble('not-found', this.checkpoint, message);
          return;
        }
      } else if (name === 'InvalidArgumentException') {
        // The starting point was refused (an expired continuation): once, fall back to the checkpoint (which a
        // continuation may equal); if Kinesis refuses the checkpoint too, it is not this stream's (docs/architecture.md §2).
        if (!refusedOnce) {
          refusedOnce = true;
          this.logger.warn(`Continuation ${this.position} of ${this.where} was refused (${message}); subscribing again from checkpoint ${this.checkpoint} (the inbox absorbs repeats)`);
          this.position = this.checkpoint;
          continue;
        }
        if (this.checkpoint !== TRIM_HORIZON) {
          this.trouble('checkpoint-refused', this.checkpoint, message);
          return;
        }
        this.logger.warn(`SubscribeToShard on ${this.where} refused (${message}); retrying`);
      } else {
        this.logger.warn(`Subscription to ${this.where} failed (${name || 'error'}: ${message}); subscribing again from ${this.position}`);
      }
      await this.pause.wait(Math.max(200, fullJitterDelay(failures++, { baseMs: 250, capMs: 5_000 })));
    }
  }

  /**
   * One subscription, until it ends. `renew`: subscribe again from `position` at once (Kinesis or the renewal
   * timer ended it); `stop`: the reader is done (stopping, lease lost, shard finished, a retry pending).
   */
  private async subscribe(parked: Map<string, Set<string>>): Promise<'renew' | 'stop'> {
    const { kinesis, metrics, options } = this.deps;
    const consumerArn = await this.deps.consumers.consumerArn(this.physicalStream);
    if (this.stopping) return 'stop';
    const abort = new AbortController();
    let renewing = false;
    this.interrupt = () => abort.abort();
    const renewal = setTimeout(() => {
      renewing = true;
      abort.abort();
    }, options.efoSubscriptionMs);
    const startedAt = Date.now();
    try {
      metrics.subscriptions.inc({ stream: this.physicalStream, shard: this.lease.shardId });
      const response = await kinesis.send(
        new SubscribeToShardCommand({
          ConsumerARN: consumerArn,
          ShardId: this.lease.shardId,
          StartingPosition:
            this.position === TRIM_HORIZON ? { Type: 'TRIM_HORIZON' } : { Type: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: this.position },
        }),
        { abortSignal: abort.signal },
      );
      for await (const event of response.EventStream ?? []) {
        if (!event.SubscribeToShardEvent) continue;
        const next = await this.handle(event.SubscribeToShardEvent, parked);
        if (next === 'stop') return 'stop';
        if (next === 'resubscribe') return 'renew';
        if (this.stopping) return 'stop';
      }
      if (this.stopping) return 'stop';
      this.logger.log(`Subscription to ${this.where} ended after ${Date.now() - startedAt} ms; subscribing again from ${this.position}`);
      return 'renew';
    } catch (error) {
      if (this.stopping) return 'stop';
      if (renewing) return 'renew';
      throw error;
    } finally {
      clearTimeout(renewal);
      this.interrupt = null;
      abort.abort(); // closes the connection, so Kinesis frees the shard for the next subscription
    }
  }

  private async handle(event: SubscribeToShardEvent, parked: Map<string, Set<string>>): Promise<'continue' | 'stop' | 'resubscribe'> {
    const { metrics, options } = this.deps;
    const { shardId } = this.lease;
    const labels = { stream: this.physicalStream, shard: shardId };
    const records = event.Records ?? [];
    this.millisBehindLatest = event.MillisBehindLatest ?? null;
    if (this.millisBehindLatest !== null) metrics.millisBehindLatest.set(labels, this.millisBehindLatest);

    if (records.length > 0) {
      const page = await this.applyPage(this.deps, records, parked, this.checkpoint);
      if (page.kind === 'failed') {
        this.position = this.checkpoint;
        await this.pause.wait(options.idlePollMaxMs);
        return 'resubscribe';
      }
      if (page.kind === 'lost') return 'stop';
      this.checkpoint = page.checkpoint;
      this.position = this.checkpoint;
      if (page.kind === 'stop') return 'stop'; // stopping with a retry pending: the next owner reads the rest
    }
    if (event.ContinuationSequenceNumber) this.position = event.ContinuationSequenceNumber;

    const children = event.ChildShards ?? [];
    if (children.length > 0 && !event.ContinuationSequenceNumber) {
      return this.reachedEnd(children.map((c) => ({ shardId: c.ShardId!, parentShardIds: c.ParentShards ?? [shardId] })));
    }
    if (records.length === 0 && event.MillisBehindLatest === 0) return this.checkClosed();
    return 'continue';
  }

  /**
   * Caught up. Kinesis ends a closed shard's subscription with ChildShards; an engine that does not (kinesis-local)
   * is asked now and then whether the shard has children. Once it has, the next caught-up event proves it drained.
   */
  private async checkClosed(): Promise<'continue' | 'stop'> {
    if (this.closedChildren) return this.reachedEnd(this.closedChildren);
    if (Date.now() - this.lastClosedCheck < this.deps.options.shardSyncMs) return 'continue';
    this.lastClosedCheck = Date.now();
    const shards = await listShards(this.deps.kinesis, this.physicalStream).catch(() => null);
    const children = (shards ?? []).filter((s) => s.parentShardIds.includes(this.lease.shardId));
    if (children.length > 0) this.closedChildren = children;
    return 'continue';
  }

  private async reachedEnd(children: Array<{ shardId: string; parentShardIds: string[] }>): Promise<'stop'> {
    const { leases, metrics, options } = this.deps;
    // Parents first: this lease exists, so its children can be recorded before it is finished.
    for (const child of children) await leases.createIfMissing(this.lease.stream, child.shardId, child.parentShardIds);
    await leases.finish(this.lease, options.workerId);
    metrics.millisBehindLatest.remove({ stream: this.physicalStream, shard: this.lease.shardId });
    this.logger.log(`Shard ${this.where} reached SHARD_END; children ${children.map((c) => c.shardId).join(', ')}`);
    return 'stop';
  }


}
