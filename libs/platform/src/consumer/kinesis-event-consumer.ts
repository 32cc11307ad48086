import { Inject, Injectable, Logger, Module } from '@nestjs/common';
import type { _Record } from '@aws-sdk/client-kinesis';
import type { KinesisStreamBatchResponse } from 'aws-lambda';
import { ConsumerMetrics } from './consumer-metrics';
import { CONSUMER_OPTIONS, ConsumerOpsModule } from './consumer.module';
import type { ConsumerOptions } from './consumer-options';
import { DeadLetterStore } from './dead-letters/dead-letter-store';
import { HandlerCatalog } from './handlers/handler-catalog';
import { MessageDispatcher } from './dispatch/message-dispatcher';
import { decodeRecords } from './dispatch/record-decoder';

/** An invocation that is not a Kinesis stream event of this app: nothing in it can be handled or parked. */
export class NotAKinesisEventError extends Error {
  override readonly name = 'NotAKinesisEventError';
}

/** One Lambda invocation's records: always one shard of one stream (the event source mapping reads per shard). */
export interface KinesisEventBatch {
  /** Stream name as Kinesis knows it (with STREAM_PREFIX). */
  physicalStream: string;
  /** Logical name (without the prefix), as handlers subscribe to it. */
  stream: string;
  shardId: string;
  records: _Record[];
}

const STREAM_ARN = /^arn:aws[a-z-]*:kinesis:[a-z0-9-]+:\d{12}:stream\/([a-zA-Z0-9_.-]{1,128})$/;
const SEQUENCE_NUMBER = /^\d{1,128}$/;

/**
 * Reads a Lambda event as the Kinesis event source mapping shapes it (`Records[].kinesis` with base64
 * `data`, `eventID` = `<shardId>:<sequenceNumber>`) into the records GetRecords would have returned. Anything
 * else (another event source, a record without its sequence number, a stream of another prefix) is refused
 * whole with the reason: a record that cannot be located cannot be parked or retried in order.
 */
export function readKinesisEvent(event: unknown, streamPrefix: string): KinesisEventBatch | null {
  const records = (event as { Records?: unknown } | null)?.Records;
  if (!Array.isArray(records)) throw new NotAKinesisEventError('the event has no Records array (not a Kinesis stream event)');
  if (records.length === 0) return null;
  let physicalStream = '';
  let shardId = '';
  const out: _Record[] = records.map((value: unknown, index) => {
    const r = value as { eventSource?: unknown; eventSourceARN?: unknown; eventID?: unknown; kinesis?: Record<string, unknown> } | null;
    const where = `Records[${index}]`;
    if (r?.eventSource !== 'aws:kinesis') throw new NotAKinesisEventError(`${where}.eventSource is ${JSON.stringify(r?.eventSource)}, not "aws:kinesis"`);
    const arn = typeof r.eventSourceARN === 'string' ? STREAM_ARN.exec(r.eventSourceARN) : null;
    if (!arn) throw new NotAKinesisEventError(`${where}.eventSourceARN is not a Kinesis stream ARN`);
    const k = r.kinesis ?? {};
    if (typeof k.sequenceNumber !== 'string' || !SEQUENCE_NUMBER.test(k.sequenceNumber)) throw new NotAKinesisEventError(`${where}.kinesis.sequenceNumber is missing or not a number`);
    if (typeof k.partitionKey !== 'string' || k.partitionKey === '') throw new NotAKinesisEventError(`${where}.kinesis.partitionKey is missing`);
    if (typeof k.data !== 'string') throw new NotAKinesisEventError(`${where}.kinesis.data is missing`);
    const shard = typeof r.eventID === 'string' ? r.eventID.slice(0, r.eventID.indexOf(':')) : '';
    if (!shard.startsWith('shardId-')) throw new NotAKinesisEventError(`${where}.eventID does not name a shard`);
    if (index === 0) {
      physicalStream = arn[1];
      shardId = shard;
    } else if (arn[1] !== physicalStream || shard !== shardId) {
      throw new NotAKinesisEventError(`${where} is of ${arn[1]}/${shard}, the batch of ${physicalStream}/${shardId}`);
    }
    const arrival = typeof k.approximateArrivalTimestamp === 'number' ? new Date(k.approximateArrivalTimestamp * 1000) : undefined;
    // Data that is not valid base64 decodes to bytes that are not a CloudEvent: the decoder parks them as poison.
    return { Data: Buffer.from(k.data, 'base64'), PartitionKey: k.partitionKey, SequenceNumber: k.sequenceNumber, ApproximateArrivalTimestamp: arrival };
  });
  if (!physicalStream.startsWith(streamPrefix)) {
    throw new NotAKinesisEventError(`stream ${physicalStream} does not start with STREAM_PREFIX "${streamPrefix}"`);
  }
  return { physicalStream, stream: physicalStream.slice(streamPrefix.length), shardId, records: out };
}

/**
 * The consumer for Lambda's Kinesis event source mapping (ADR 0014): the records of one invocation go
 * through the same decoder, dispatcher and inbox as the polling consumer's GetRecords batches, so a
 * handler failure is retried CONSUMER_MAX_ATTEMPTS times, then parked with its key's followers, and a
 * poison record is parked. What is left unfinished (the invocation ran short of time in a retry) is reported
 * as `batchItemFailures`, the first unfinished record of each partition key, for Lambda to deliver again in
 * order; records after it that were applied come back too and the inbox absorbs them.
 */
@Injectable()
export class KinesisEventConsumer {
  private readonly logger = new Logger('KinesisEventConsumer');
  private dispatcher?: MessageDispatcher;

  constructor(
    @Inject(CONSUMER_OPTIONS) private readonly options: ConsumerOptions,
    private readonly catalog: HandlerCatalog,
    private readonly deadLetters: DeadLetterStore,
    private readonly metrics: ConsumerMetrics,
  ) {}

  /** Throws NotAKinesisEventError for an event it cannot read, and whatever parking met (the database is down). */
  async consume(event: unknown, isStopping: () => boolean = () => false): Promise<KinesisStreamBatchResponse> {
    const batch = readKinesisEvent(event, this.options.streamPrefix);
    if (!batch) return { batchItemFailures: [] };
    this.dispatcher ??= new MessageDispatcher(this.catalog.handlers(), this.deadLetters, this.metrics, this.options);
    if (this.dispatcher.subscribersOf(batch.stream).length === 0) {
      this.logger.warn(`No handler subscribes to ${batch.stream}: ${batch.records.length} records of ${batch.physicalStream}/${batch.shardId} pass unhandled`);
    }
    const messages = decodeRecords(batch.records);
    // Keys parked by earlier invocations (or the polling consumer) keep parking their followers.
    const parked = await this.deadLetters.parkedKeys(batch.stream);
    const completed = await this.dispatcher.dispatch(
      { stream: batch.stream, physicalStream: batch.physicalStream, shardId: batch.shardId, parked, isStopping },
      messages,
    );
    const firstUnfinished = new Map<string, number>();
    messages.forEach((m, i) => {
      if (!completed[i] && !firstUnfinished.has(m.partitionKey)) firstUnfinished.set(m.partitionKey, m.recordIndex);
    });
    const indexes = [...new Set(firstUnfinished.values())].sort((a, b) => a - b);
    if (indexes.length > 0) {
      this.logger.warn(
        `${indexes.length} partition keys of ${batch.physicalStream}/${batch.shardId} left unfinished; Lambda delivers again from ${batch.records[indexes[0]].SequenceNumber}`,
      );
    }
    return { batchItemFailures: indexes.map((i) => ({ itemIdentifier: batch.records[i].SequenceNumber! })) };
  }
}

/** The Lambda consumer: the handler catalog and dead letters of ConsumerOpsModule, without a polling worker. */
@Module({
  imports: [ConsumerOpsModule],
  providers: [KinesisEventConsumer],
  exports: [KinesisEventConsumer],
})
export class KinesisEventConsumerModule {}
