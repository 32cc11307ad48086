import type { Logger } from '@nestjs/common';
import { Pause } from '../../kinesis/backoff';
import type { Lease } from '../leases/lease-store';

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

  /** Tells the worker the stream, the shard or the checkpoint is not Kinesis's any more; the reader stops. */
  protected trouble(kind: ReaderTrouble['kind'], checkpoint: string, reason: string): null {
    this.logger.warn(`${this.noun} of ${this.where} stops: ${reason}`);
    const { stream, shardId, createdAt } = this.lease;
    this.reportTrouble?.({ stream, shardId, leaseCreatedAt: createdAt, checkpoint, kind, reason });
    return null;
  }
}
