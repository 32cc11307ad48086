import type { _Record } from '@aws-sdk/client-kinesis';
import type { Logger } from '@nestjs/common';
import { Pause } from '../../kinesis/backoff';
import type { ConsumerOptions } from '../consumer-options';
import type { MessageDispatcher } from '../dispatch/message-dispatcher';
import { decodeRecords } from '../dispatch/record-decoder';
import type { Lease, LeaseStore } from '../leases/lease-store';

/** What applying a page of records needs. */
export interface PageDeps {
  dispatcher: MessageDispatcher;
  leases: LeaseStore;
  options: Pick<ConsumerOptions, 'workerId'>;
}

/**
 * What became of a page: every record finished and the checkpoint moved (`done`); stopping with a retry pending,
 * the finished prefix checkpointed (`stop`: the next owner reads the rest); the dispatch failed (`failed`: read again
 * from the checkpoint, the inbox absorbs repeats); the lease is another worker's (`lost`).
 */
export type PageOutcome = { kind: 'done'; checkpoint: string } | { kind: 'stop'; checkpoint: string } | { kind: 'failed' } | { kind: 'lost' };

export interface ReaderTrouble {
  stream: string;
  shardId: string;
  leaseCreatedAt: string;
  checkpoint: string;
  /** `not-found`: no such stream or shard; `checkpoint-refused`: the checkpoint did not come from this stream. */
  kind: 'not-found' | 'checkpoint-refused';
  reason: string;
}

/**
 * What the worker keeps per held lease, whichever way the shard is read (GetRecords polling or enhanced
 * fan-out): one run loop started once, stopped gracefully (the batch in flight finishes and is
 * checkpointed), and trouble reported to the worker, which judges it at its next shard sync.
 */
export abstract class LeaseReader {
  millisBehindLatest: number | null = null;
  protected stopping = false;
  /** Every wait of the run loop, cut short by stop() (and by wake() where a wake means something). */
  protected readonly pause = new Pause();
  private done: Promise<void> | null = null;
  private ended = false;
  protected abstract readonly logger: Logger;
  /** How log lines name this reader: `Reader`, `Subscriber`. */
  protected abstract readonly noun: string;

  constructor(
    private readonly reportTrouble: ((trouble: ReaderTrouble) => void) | undefined,
    readonly lease: Lease,
    protected readonly physicalStream: string,
  ) {}

  get finished(): boolean {
    return this.done !== null && this.ended;
  }

  start(): void {
    this.done = this.run()
      .catch((error) => this.logger.error(`${this.noun} of ${this.where} failed: ${(error as Error).message}`))
      .finally(() => {
        this.ended = true;
      });
  }

  /** Stops after the batch in flight, whose finished prefix is checkpointed. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.interruptWork();
    this.pause.interrupt();
    await this.done;
  }

  /** The relay wrote to this shard. */
  abstract wake(): void;

  protected abstract run(): Promise<void>;

  /** Ends whatever the run loop is blocked on besides its pause (e.g. an open subscription). */
  protected interruptWork(): void {}

  protected get where(): string {
    return `${this.physicalStream}/${this.lease.shardId}`;
  }

  /**
   * Dispatches one page of records (a GetRecords answer, a pushed event), however it was read, and checkpoints the
   * lease to the last record every delivery finished.
   */
  protected async applyPage(deps: PageDeps, records: _Record[], parked: Map<string, Set<string>>, checkpoint: string): Promise<PageOutcome> {
    const { stream, shardId, createdAt } = this.lease;
    const messages = decodeRecords(records);
    let completed: boolean[];
    try {
      completed = await deps.dispatcher.dispatch(
        { stream, physicalStream: this.physicalStream, shardId, parked, isStopping: () => this.stopping, lease: { owner: deps.options.workerId, createdAt } },
        messages,
      );
    } catch (error) {
      // Parking failed (the database is unreachable).
      this.logger.warn(`Dispatch on ${this.where} failed: ${(error as Error).message}; reading again from ${checkpoint}`);
      return { kind: 'failed' };
    }
    const upTo = finishedPrefix(messages.map((m) => m.recordIndex), completed, records.length);
    if (upTo >= 0) {
      checkpoint = records[upTo].SequenceNumber!;
      if (!(await deps.leases.checkpoint(this.lease, deps.options.workerId, checkpoint))) {
        this.logger.warn(`Lease of ${this.where} was taken by another worker`);
        return { kind: 'lost' };
      }
    }
    return { kind: upTo < records.length - 1 ? 'stop' : 'done', checkpoint };
  }

  /** Tells the worker the stream, the shard or the checkpoint is not Kinesis's any more; the reader stops. */
  protected trouble(kind: ReaderTrouble['kind'], checkpoint: string, reason: string): null {
    this.logger.warn(`${this.noun} of ${this.where} stops: ${reason}`);
    const { stream, shardId, createdAt } = this.lease;
    this.reportTrouble?.({ stream, shardId, leaseCreatedAt: createdAt, checkpoint, kind, reason });
    return null;
  }
}

/** Index of the last Kinesis record whose user records (and all before them) every delivery finished; -1 if none. */
export function finishedPrefix(recordIndexes: number[], completed: boolean[], recordCount: number): number {
  let firstUnfinished = recordCount;
  recordIndexes.forEach((r, i) => {
    if (!completed[i] && r < firstUnfinished) firstUnfinished = r;
  });
  return firstUnfinished - 1;
}
