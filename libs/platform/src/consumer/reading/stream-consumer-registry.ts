import {
  DescribeStreamConsumerCommand,
  DescribeStreamSummaryCommand,
  KinesisClient,
  ListStreamConsumersCommand,
  ListStreamConsumersCommandOutput,
  RegisterStreamConsumerCommand,
} from '@aws-sdk/client-kinesis';
import { Logger } from '@nestjs/common';
import { fullJitterDelay, sleep } from '../../kinesis/backoff';

const errorName = (error: unknown) => (error as { name?: string })?.name ?? '';

/**
 * The enhanced fan-out consumer of each stream for one consumer group (ADR 0015): one registered stream
 * consumer named after the group, shared by all its workers. A worker that starts (or restarts) finds the
 * consumer that is already there; of several workers registering at once, the losers get
 * ResourceInUseException and look it up instead. Resolves only once the consumer is ACTIVE.
 */
export class StreamConsumerRegistry {
  private readonly logger = new Logger('StreamConsumerRegistry');
  /** Physical stream name → the pending or settled ARN lookup (dropped on failure, so the next call tries again). */
  private readonly arns = new Map<string, Promise<string>>();

  constructor(
    private readonly kinesis: KinesisClient,
    private readonly consumerName: string,
    private readonly options: { timeoutMs?: number } = {},
  ) {}

  /** The ARN of the group's ACTIVE consumer of `physicalStream`, registering it if there is none. */
  consumerArn(physicalStream: string): Promise<string> {
    let arn = this.arns.get(physicalStream);
    if (!arn) {
      arn = this.resolve(physicalStream);
      arn.catch(() => this.arns.delete(physicalStream));
      this.arns.set(physicalStream, arn);
    }
    return arn;
  }

  /** Forgets a stream's consumer (the stream was re-created, or Kinesis says the consumer is gone). */
  forget(physicalStream: string): void {
    this.arns.delete(physicalStream);
  }

  private async resolve(physicalStream: string): Promise<string> {
    const { StreamDescriptionSummary: summary } = await this.kinesis.send(new DescribeStreamSummaryCommand({ StreamName: physicalStream }));
    const streamArn = summary!.StreamARN!;
    let arn = await this.find(streamArn);
    if (arn) {
      this.logger.log(`Found enhanced fan-out consumer ${this.consumerName} of ${physicalStream}`);
    } else {
      try {
        const { Consumer } = await this.kinesis.send(new RegisterStreamConsumerCommand({ StreamARN: streamArn, ConsumerName: this.consumerName }));
        arn = Consumer!.ConsumerARN!;
        this.logger.log(`Registered enhanced fan-out consumer ${this.consumerName} of ${physicalStream}`);
      } catch (error) {
        if (errorName(error) !== 'ResourceInUseException') throw error;
        // Another worker of the group registered it between our look-up and our call: use theirs.
        this.logger.log(`Enhanced fan-out consumer ${this.consumerName} of ${physicalStream} was registered meanwhile (ResourceInUseException); using it`);
        arn = await this.find(streamArn);
        if (!arn) throw new Error(`RegisterStreamConsumer said ${this.consumerName} exists on ${physicalStream}, but it is not listed`, { cause: error });
      }
    }
    await this.waitActive(arn, physicalStream);
    return arn;
  }

  private async find(streamArn: string): Promise<string | undefined> {
    let nextToken: string | undefined;
    do {
      const page: ListStreamConsumersCommandOutput = await this.kinesis.send(
        new ListStreamConsumersCommand(nextToken ? { StreamARN: streamArn, NextToken: nextToken } : { StreamARN: streamArn }),
      );
      const mine = page.Consumers?.find((c) => c.ConsumerName === this.consumerName && c.ConsumerStatus !== 'DELETING');
      if (mine) return mine.ConsumerARN;
      nextToken = page.NextToken;
    } while (nextToken);
    return undefined;
  }

  private async waitActive(consumerArn: string, physicalStream: string): Promise<void> {
    const deadline = Date.now() + (this.options.timeoutMs ?? 120_000);
    for (let attempt = 0; ; attempt++) {
      const { ConsumerDescription: d } = await this.kinesis.send(new DescribeStreamConsumerCommand({ ConsumerARN: consumerArn }));
      if (d?.ConsumerStatus === 'ACTIVE') return;
      if (Date.now() > deadline) throw new Error(`enhanced fan-out consumer ${this.consumerName} of ${physicalStream} did not become ACTIVE in time`);
      await sleep(Math.max(20, fullJitterDelay(attempt, { baseMs: 50, capMs: 1_000 })));
    }
  }
}
