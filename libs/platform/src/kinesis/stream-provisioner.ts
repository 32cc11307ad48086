import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  IncreaseStreamRetentionPeriodCommand,
  KinesisClient,
  StartStreamEncryptionCommand,
} from '@aws-sdk/client-kinesis';
import { fullJitterDelay, sleep } from './backoff';

export interface StreamSettings {
  /** Shards of a stream created here; 0 means on-demand capacity (real AWS only). */
  shards: number;
  retentionHours: number;
  kmsKeyId?: string;
}

const errorName = (error: unknown) => (error as { name?: string })?.name ?? '';

/**
 * Creates missing streams and waits until they are ACTIVE, on kinesalite, kinesis-mock and real AWS alike.
 * Idempotent and safe to run from several processes at once (a concurrent create shows up as ResourceInUse).
 * Remembers what it has seen active, so the relay can call `ensure` for every unknown stream a row names.
 */
export class StreamProvisioner {
  private readonly active = new Set<string>();
  private readonly pending = new Map<string, Promise<void>>();

  constructor(
    private readonly kinesis: KinesisClient,
    private readonly settings: StreamSettings,
    private readonly options: { timeoutMs?: number; log?: (line: string) => void } = {},
  ) {}

  isKnownActive(streamName: string): boolean {
    return this.active.has(streamName);
  }

  async ensureAll(streamNames: string[]): Promise<void> {
    await Promise.all(streamNames.map((name) => this.ensure(name)));
  }

  /** Resolves once `streamName` exists and is ACTIVE (creating it if needed). Concurrent calls share one attempt. */
  ensure(streamName: string): Promise<void> {
    if (this.active.has(streamName)) return Promise.resolve();
    let running = this.pending.get(streamName);
    if (!running) {
      running = this.provision(streamName).finally(() => this.pending.delete(streamName));
      this.pending.set(streamName, running);
    }
    return running;
  }

  /** Forgets a stream seen active (after a ResourceNotFound, so the next `ensure` creates it again). */
  forget(streamName: string): void {
    this.active.delete(streamName);
  }

  private async provision(streamName: string): Promise<void> {
    const deadline = Date.now() + (this.options.timeoutMs ?? 120_000);
    let created = false;
    for (let attempt = 0; ; attempt++) {
      if (Date.now() > deadline) throw new Error(`stream ${streamName} did not become ACTIVE in time`);
      let status: string | undefined;
      try {
        const summary = await this.kinesis.send(new DescribeStreamSummaryCommand({ StreamName: streamName }));
        status = summary.StreamDescriptionSummary?.StreamStatus;
        if (status === 'ACTIVE') {
          if (created) await this.configure(streamName, summary.StreamDescriptionSummary?.RetentionPeriodHours ?? 24);
          this.active.add(streamName);
          return;
        }
      } catch (error) {
        if (errorName(error) !== 'ResourceNotFoundException') {
          if (!isTransient(error)) throw error;
        } else {
          created = (await this.create(streamName)) || created;
        }
      }
      await sleep(Math.max(20, fullJitterDelay(attempt, { baseMs: 50, capMs: 1_000 })));
    }
  }

  /** @returns whether this call created the stream. */
  private async create(streamName: string): Promise<boolean> {
    try {
      await this.kinesis.send(
        new CreateStreamCommand(
          this.settings.shards === 0
            ? { StreamName: streamName, StreamModeDetails: { StreamMode: 'ON_DEMAND' } }
            : { StreamName: streamName, ShardCount: this.settings.shards },
        ),
      );
      this.options.log?.(`created stream ${streamName}`);
      return true;
    } catch (error) {
      // Another process created it first, or the account is creating too many streams at once: wait and look again.
      if (['ResourceInUseException', 'LimitExceededException'].includes(errorName(error)) || isTransient(error)) return false;
      throw error;
    }
  }

  /** Retention and encryption can only be set on an ACTIVE stream; each call leaves it UPDATING for a moment. */
  private async configure(streamName: string, currentRetention: number): Promise<void> {
    if (this.settings.retentionHours > currentRetention) {
      await this.kinesis.send(
        new IncreaseStreamRetentionPeriodCommand({ StreamName: streamName, RetentionPeriodHours: this.settings.retentionHours }),
      );
      await this.waitActive(streamName);
    }
    if (this.settings.kmsKeyId) {
      await this.kinesis.send(new StartStreamEncryptionCommand({ StreamName: streamName, EncryptionType: 'KMS', KeyId: this.settings.kmsKeyId }));
      await this.waitActive(streamName);
    }
  }

  private async waitActive(streamName: string): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const summary = await this.kinesis.send(new DescribeStreamSummaryCommand({ StreamName: streamName }));
      if (summary.StreamDescriptionSummary?.StreamStatus === 'ACTIVE') return;
      await sleep(Math.max(20, fullJitterDelay(attempt, { baseMs: 50, capMs: 1_000 })));
    }
  }
}

/** Throttling, 5xx and network errors: worth another try. */
export function isTransient(error: unknown): boolean {
  const name = errorName(error);
  if (['ProvisionedThroughputExceededException', 'KMSThrottlingException', 'LimitExceededException', 'ThrottlingException'].includes(name)) return true;
  const status = (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
  if (status === undefined || status >= 500) return true;
  return ['TimeoutError', 'RequestTimeout', 'InternalFailure', 'ServiceUnavailable'].includes(name);
}
