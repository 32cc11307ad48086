import { GetRecordsCommand, GetRecordsCommandOutput, GetShardIteratorCommand, KinesisClient } from '@aws-sdk/client-kinesis';
import { Logger } from '@nestjs/common';
import type { ConsumerMetrics } from '../consumer-metrics';
import type { ConsumerOptions } from '../consumer-options';
import type { DeadLetterStore } from '../dead-letters/dead-letter-store';
import { Lease, LeaseStore, SHARD_END, TRIM_HORIZON } from '../leases/lease-store';
import type { MessageDispatcher } from '../dispatch/message-dispatcher';
import { LeaseReader, ReaderTrouble } from './lease-reader';

export { finishedPrefix } from './lease-reader';

export type { ReaderTrouble } from './lease-reader';

export interface ShardReaderDeps {
  kinesis: KinesisClient;
  leases: LeaseStore;
  deadLetters: DeadLetterStore;
  dispatcher: MessageDispatcher;
  metrics: ConsumerMetrics;
  options: ConsumerOptions;
  /** Told when Kinesis says the stream or shard is gone, or refuses the checkpoint; the reader has stopped. */
  onTrouble?: (trouble: ReaderTrouble) => void;
}

const THROTTLED = new Set(['ProvisionedThroughputExceededException', 'LimitExceededException', 'KMSThrottlingException']);

/**
 * Reads one leased shard with GetRecords (docs/architecture.md §3.5): at most one call per GET_RECORDS_PACE_MS, 210 ms (the 5 reads/s limit with room for jitter),
 * slowing down to `idlePollMaxMs` while the shard is idle, and reading at once (pace permitting) when woken
 * by the relay's publish to this shard (`wake()`). Each batch is dispatched, then the lease's
 * checkpoint moves to the last record every subscriber finished. A drained closed shard is marked
 * finished so its children can start.
 */
export class ShardReader extends LeaseReader {
  protected readonly noun = 'Reader';
  /** Records may have arrived since the last read began (the relay said so): read as soon as the pace allows. */
  private woken = false;
  protected readonly logger = new Logger('ShardReader');

  constructor(
    private readonly deps: ShardReaderDeps,
    lease: Lease,
    physicalStream: string,
  ) {
    super(deps.onTrouble, lease, physicalStream);
  }

  /**
   * The relay wrote to this shard: read now instead of at the next tick, but never sooner than
   * `minPollIntervalMs` after the previous read (Kinesis allows 5 GetRecords per second per shard). Any
   * number of wakes before that read is one read.
   */
  wake(): void {
    if (this.woken) return;
    this.woken = true;
    this.pause.interrupt();
  }

  protected async run(): Promise<void> {
    const { kinesis, leases, deadLetters, metrics, options } = this.deps;
    const { stream, shardId } = this.lease;
    const labels = { stream: this.physicalStream, shard: shardId };
    const parked = await deadLetters.parkedKeys(stream);
    let checkpoint = this.lease.checkpoint;
    let iterator = await this.openIterator(checkpoint);
    if (iterator === null) return;
    let idleDelay = options.minPollIntervalMs;
    let lastCall = 0;
    // After a throttle or an error the backoff holds even when woken.
    let wakeable = true;

    while (!this.stopping && iterator) {
      await this.waitForTurn(lastCall, idleDelay, wakeable);
      if (this.stopping) break;
      lastCall = Date.now();
      metrics.getRecords.inc(labels);
      let response: GetRecordsCommandOutput;
      try {
        response = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: options.maxRecordsPerCall }));
      } catch (error) {
        const name = (error as Error).name;
        if (name === 'ResourceNotFoundException') {
          this.trouble('not-found', checkpoint, (error as Error).message);
          return;
        } else if (name === 'ExpiredIteratorException' || name === 'InvalidArgumentException') {
          // An iterator of a stream deleted and re-created under us is invalid: start again from the checkpoint.
          iterator = await this.openIterator(checkpoint);
          if (iterator === null) return;
        } else if (THROTTLED.has(name)) {
          idleDelay = Math.min(idleDelay * 2, options.idlePollMaxMs * 4);
          wakeable = false;
        } else {
          this.logger.warn(`GetRecords on ${this.physicalStream}/${shardId} failed (${name}); retrying`);
          idleDelay = options.idlePollMaxMs;
          wakeable = false;
        }
        continue;
      }
      wakeable = true;
      const records = response.Records ?? [];
      this.millisBehindLatest = response.MillisBehindLatest ?? null;
      if (this.millisBehindLatest !== null) metrics.millisBehindLatest.set(labels, this.millisBehindLatest);

      if (records.length > 0) {
        const page = await this.applyPage(this.deps, records, parked, checkpoint);
        if (page.kind === 'failed') {
          iterator = await this.openIterator(checkpoint);
          if (iterator === null) return;
          idleDelay = options.idlePollMaxMs;
          continue;
        }
        if (page.kind === 'lost') return;
        checkpoint = page.checkpoint;
        if (page.kind === 'stop') return; // stopping with a retry pending: the rest is read again by the next owner
        idleDelay = options.minPollIntervalMs;
      } else {
        idleDelay = Math.min(Math.max(idleDelay * 2, options.minPollIntervalMs), options.idlePollMaxMs);
      }

      iterator = response.NextShardIterator;
      if (!iterator) {
        await leases.finish(this.lease, options.workerId);
        metrics.millisBehindLatest.remove(labels);
        this.logger.log(`Shard ${this.physicalStream}/${shardId} reached SHARD_END`);
      }
    }
  }

  /** An iterator at the checkpoint; null (and the worker told) when the stream, the shard or the checkpoint is not Kinesis's any more. */
  private async openIterator(checkpoint: string): Promise<string | undefined | null> {
    try {
      return await this.iteratorAt(checkpoint);
    } catch (error) {
      const { name, message } = error as Error;
      if (name === 'ResourceNotFoundException') return this.trouble('not-found', checkpoint, message);
      if (name === 'InvalidArgumentException' && checkpoint !== TRIM_HORIZON) return this.trouble('checkpoint-refused', checkpoint, message);
      throw error;
    }
  }

  private async iteratorAt(checkpoint: string): Promise<string | undefined> {
    if (checkpoint === SHARD_END) return undefined;
    const response = await this.deps.kinesis.send(
      new GetShardIteratorCommand({
        StreamName: this.physicalStream,
        ShardId: this.lease.shardId,
        ...(checkpoint === TRIM_HORIZON
          ? { ShardIteratorType: 'TRIM_HORIZON' }
          : { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', StartingSequenceNumber: checkpoint }),
      }),
    );
    return response.ShardIterator;
  }

  /** Waits until the tick is due, or, once woken, until the pace limit allows the next read. */
  private async waitForTurn(lastCall: number, idleDelay: number, wakeable: boolean): Promise<void> {
    const { minPollIntervalMs } = this.deps.options;
    for (;;) {
      if (this.stopping) return;
      const due = lastCall + (this.woken && wakeable ? minPollIntervalMs : Math.max(idleDelay, minPollIntervalMs));
      const ms = due - Date.now();
      if (ms <= 0) break;
      await this.pause.wait(ms);
    }
    this.woken = false; // cleared as the read starts: a wake during the read means there may be more
  }

}
