import { KinesisClient, PutRecordsCommand, PutRecordsRequestEntry } from '@aws-sdk/client-kinesis';
import { Link, ROOT_CONTEXT, Span, SpanKind } from '@opentelemetry/api';
import { BackoffPolicy, fullJitterDelay } from '../kinesis/backoff';
import { inSpan, linkToTraceparent, MESSAGING_SYSTEM, recordSpanFailure } from '../observability/tracing';
import type { StreamProvisioner } from '../kinesis/stream-provisioner';
import type { RelayMetrics } from './relay-metrics';
import type { RelayRecord, SourceCheckpoint } from './relay-record';

export const MAX_RECORDS_PER_CALL = 500;
export const MAX_BYTES_PER_CALL = 5 * 1024 * 1024;
const MAX_AGGREGATED_BYTES = 1024 * 1024 - 1024;
const THROTTLING = new Set(['ProvisionedThroughputExceededException', 'KMSThrottlingException', 'LimitExceededException', 'ThrottlingException']);

export interface OrderedPublisherOptions {
  streamPrefix: string;
  /** PutRecords calls in flight at once (each over different partition keys). */
  maxCallsInFlight?: number;
  /** Records accepted but not yet confirmed before `push` waits. */
  maxBuffered?: number;
  backoff?: BackoffPolicy;
  /** KPL aggregation: consecutive records of one key ride together in one Kinesis record. */
  aggregation?: boolean;
  log?: (line: string) => void;
  /** Told, after each call, which shards of the stream received records (wakes their readers). */
  onShardsWritten?: (streamName: string, shardIds: string[]) => void;
}

/** What has been confirmed, in push order: the records (to stamp published_at) and the last checkpoint reached. */
export type ProgressListener = (confirmed: RelayRecord[], checkpoint: SourceCheckpoint | undefined) => void;

interface Entry {
  record: RelayRecord;
  bytes: number;
  confirmed: boolean;
}
type Item = Entry | { checkpoint: SourceCheckpoint };

interface KeyQueue {
  streamName: string;
  partitionKey: string;
  entries: Entry[];
  attempt: number;
}

interface Outgoing {
  queue: KeyQueue;
  entries: Entry[];
  request: PutRecordsRequestEntry;
}

interface AggregatorLike {
  checkIfUserRecordFits(record: { partitionKey: string; data: Buffer }): boolean;
  addUserRecord(record: { partitionKey: string; data: Buffer }): void;
  build(): { partitionKey: string; data: Buffer };
}

/**
 * Publishes records to Kinesis keeping, for every (stream, partition key), the order they were pushed in —
 * whatever PutRecords accepts or refuses (DESIGN §3.3). A call never carries a record of key K while an
 * earlier record of K is unconfirmed: each call takes at most the head of each key's queue (or, with
 * aggregation, a run of the key's consecutive records packed into one Kinesis record), and several calls
 * over different keys are in flight at once. Refused records stay at the head of their key and are retried
 * after exponential backoff with full jitter; nothing is ever dropped. Progress is reported as the longest
 * confirmed prefix of what was pushed, so the source acknowledges only what Kinesis holds.
 */
export class OrderedPublisher {
  private readonly log: Item[] = [];
  private logHead = 0;
  private readonly queues = new Map<string, KeyQueue>();
  /** Keys whose head may be sent now, in round-robin order. */
  private readonly ready = new Set<string>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inFlight = new Set<Promise<void>>();
  private buffered = 0;
  private stopping = false;
  private waiters: Array<() => void> = [];
  private readonly options: Required<Omit<OrderedPublisherOptions, 'log' | 'onShardsWritten'>> & Pick<OrderedPublisherOptions, 'log' | 'onShardsWritten'>;
  private aggregatorFactory?: () => AggregatorLike;
  lastConfirmedAt?: Date;

  constructor(
    private readonly kinesis: KinesisClient,
    private readonly provisioner: StreamProvisioner,
    options: OrderedPublisherOptions,
    private readonly metrics: RelayMetrics,
    private readonly onProgress: ProgressListener,
  ) {
    const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
    this.options = { maxCallsInFlight: 8, maxBuffered: 20_000, backoff: { baseMs: 50, capMs: 2_000 }, aggregation: false, ...given } as typeof this.options;
    if (this.options.aggregation) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { RecordAggregator } = require('aws-kinesis-agg') as { RecordAggregator: new () => AggregatorLike };
      this.aggregatorFactory = () => new RecordAggregator();
    }
  }

  /** Records pushed and not yet confirmed. */
  get pending(): number {
    return this.buffered;
  }

  /** Queues a record; waits while too many are unconfirmed (backpressure on the source). */
  async push(record: RelayRecord): Promise<void> {
    while (this.buffered >= this.options.maxBuffered && !this.stopping) await this.waitForProgress();
    const entry: Entry = { record, bytes: Buffer.byteLength(record.data) + Buffer.byteLength(record.partitionKey), confirmed: false };
    this.log.push(entry);
    this.buffered++;
    const streamName = this.options.streamPrefix + record.stream;
    const key = `${streamName}\u0000${record.partitionKey}`;
    let queue = this.queues.get(key);
    if (!queue) {
      queue = { streamName, partitionKey: record.partitionKey, entries: [], attempt: 0 };
      this.queues.set(key, queue);
    }
    queue.entries.push(entry);
    if (queue.entries.length === 1) this.ready.add(key);
    this.pump();
  }

  /** Marks a point of the source; reported back once every record pushed before it is confirmed. */
  checkpoint(token: SourceCheckpoint): void {
    this.log.push({ checkpoint: token });
    this.advance();
  }

  /** Resolves when everything pushed so far is confirmed. */
  async drain(): Promise<void> {
    while (this.buffered > 0 || this.logHead < this.log.length) {
      if (this.stopping && this.inFlight.size === 0) return;
      await this.waitForProgress();
    }
  }

  /** Stops sending: in-flight calls finish (and report), nothing new starts; unconfirmed records are left to the next relay. */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    await Promise.allSettled([...this.inFlight]);
    this.wake();
  }

  private waitForProgress(): Promise<void> {
    return new Promise((resolveWait) => this.waiters.push(resolveWait));
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  private pump(): void {
    while (!this.stopping && this.inFlight.size < this.options.maxCallsInFlight && this.ready.size > 0) {
      const batch = this.takeBatch();
      if (batch.length === 0) return;
      const call = this.send(batch).finally(() => {
        this.inFlight.delete(call);
        this.pump();
      });
      this.inFlight.add(call);
    }
  }

  /** One call's worth of key heads, all on the stream of the first ready key. */
  private takeBatch(): Outgoing[] {
    const batch: Outgoing[] = [];
    let streamName: string | undefined;
    let bytes = 0;
    for (const key of this.ready) {
      const queue = this.queues.get(key)!;
      if (streamName === undefined) streamName = queue.streamName;
      else if (queue.streamName !== streamName) continue;
      const outgoing = this.outgoingFor(queue);
      const size = (outgoing.request.Data?.length ?? 0) + queue.partitionKey.length;
      if (batch.length > 0 && bytes + size > MAX_BYTES_PER_CALL) break;
      this.ready.delete(key);
      batch.push(outgoing);
      bytes += size;
      if (batch.length >= MAX_RECORDS_PER_CALL) break;
    }
    return batch;
  }

  private outgoingFor(queue: KeyQueue): Outgoing {
    const head = queue.entries[0];
    if (!this.aggregatorFactory || queue.entries.length === 1) {
      return { queue, entries: [head], request: { PartitionKey: queue.partitionKey, Data: Buffer.from(head.record.data) } };
    }
    const aggregator = this.aggregatorFactory();
    const entries: Entry[] = [];
    let size = 0;
    for (const entry of queue.entries) {
      const user = { partitionKey: queue.partitionKey, data: Buffer.from(entry.record.data) };
      if (entries.length > 0 && (size + entry.bytes > MAX_AGGREGATED_BYTES || !aggregator.checkIfUserRecordFits(user))) break;
      aggregator.addUserRecord(user);
      entries.push(entry);
      size += entry.bytes;
    }
    const built = aggregator.build();
    return { queue, entries, request: { PartitionKey: queue.partitionKey, Data: built.data } };
  }

  /**
   * One PutRecords call in its own PRODUCER span. A call carries many events of many traces, so the span is a
   * root linked to each event's traceparent instead of a child of any one of them.
   */
  private async send(batch: Outgoing[]): Promise<void> {
    const streamName = batch[0].queue.streamName;
    const events = batch.reduce((n, o) => n + o.entries.length, 0);
    const attributes = {
      'messaging.system': MESSAGING_SYSTEM,
      'messaging.operation.type': 'send',
      'messaging.operation.name': 'PutRecords',
      'messaging.destination.name': batch[0].entries[0].record.stream,
      'messaging.batch.message_count': events,
      'eda.kinesis.stream_name': streamName,
      'eda.kinesis.record_count': batch.length,
    };
    await inSpan(`send ${streamName}`, { kind: SpanKind.PRODUCER, attributes }, ROOT_CONTEXT, async (span) => {
      if (span.isRecording()) span.addLinks(eventLinks(batch));
      await this.putRecords(streamName, batch, span);
    });
    this.advance();
  }

  private async putRecords(streamName: string, batch: Outgoing[], span: Span): Promise<void> {
    try {
      if (!this.provisioner.isKnownActive(streamName)) await this.provisioner.ensure(streamName);
      const result = await this.kinesis.send(new PutRecordsCommand({ StreamName: streamName, Records: batch.map((o) => o.request) }));
      const records = result.Records ?? [];
      let failed = 0;
      const shards = new Set<string>();
      batch.forEach((outgoing, i) => {
        const code = records[i]?.ErrorCode ?? (records[i]?.SequenceNumber ? undefined : 'MissingResult');
        if (code) {
          failed++;
          this.refused(outgoing, code);
        } else {
          this.confirmed(outgoing);
          if (records[i].ShardId) shards.add(records[i].ShardId!);
        }
      });
      if (shards.size > 0) this.options.onShardsWritten?.(streamName, [...shards]);
      this.metrics.calls.inc({ outcome: failed === 0 ? 'ok' : 'partial' });
      span.setAttribute('eda.kinesis.failed_record_count', failed);
    } catch (error) {
      recordSpanFailure(span, error);
      const name = (error as { name?: string })?.name ?? 'Error';
      this.metrics.calls.inc({ outcome: 'error' });
      if (name === 'ResourceNotFoundException') this.provisioner.forget(streamName);
      if (THROTTLING.has(name)) this.metrics.throttled.inc(batch.length);
      else this.options.log?.(`PutRecords to ${streamName} failed (${name}: ${(error as Error)?.message}); retrying`);
      for (const outgoing of batch) this.refused(outgoing, name, false);
    }
  }

  private confirmed(outgoing: Outgoing): void {
    const { queue, entries } = outgoing;
    for (const entry of entries) entry.confirmed = true;
    queue.entries.splice(0, entries.length);
    queue.attempt = 0;
    this.metrics.sent.inc({ stream: queue.streamName }, entries.length);
    const key = `${queue.streamName}\u0000${queue.partitionKey}`;
    if (queue.entries.length > 0) this.ready.add(key);
    else this.queues.delete(key);
  }

  private refused(outgoing: Outgoing, code: string, countPerRecord = true): void {
    const { queue, entries } = outgoing;
    if (countPerRecord) {
      if (THROTTLING.has(code)) this.metrics.throttled.inc(entries.length);
      else this.metrics.failed.inc({ code }, entries.length);
    }
    this.metrics.retries.inc(entries.length);
    queue.attempt++;
    const key = `${queue.streamName}\u0000${queue.partitionKey}`;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.ready.add(key);
      this.pump();
    }, fullJitterDelay(queue.attempt, this.options.backoff));
    this.timers.add(timer);
  }

  /** Reports the longest confirmed prefix of the log and forgets it. */
  private advance(): void {
    const confirmed: RelayRecord[] = [];
    let checkpoint: SourceCheckpoint | undefined;
    while (this.logHead < this.log.length) {
      const item = this.log[this.logHead];
      if ('checkpoint' in item) checkpoint = item.checkpoint;
      else if (item.confirmed) confirmed.push(item.record);
      else break;
      this.logHead++;
    }
    if (this.logHead > 4096 && this.logHead * 2 > this.log.length) {
      this.log.splice(0, this.logHead);
      this.logHead = 0;
    }
    if (confirmed.length === 0 && checkpoint === undefined) return;
    this.buffered -= confirmed.length;
    if (confirmed.length > 0) this.lastConfirmedAt = new Date();
    this.onProgress(confirmed, checkpoint);
    this.wake();
  }
}

/** Links to the events a call carries: parsed only for a recording span (the envelope is JSON text). */
function eventLinks(batch: Outgoing[]): Link[] {
  const links: Link[] = [];
  for (const outgoing of batch) {
    for (const entry of outgoing.entries) {
      let envelope: { id?: unknown; traceparent?: unknown };
      try {
        envelope = JSON.parse(entry.record.data) as typeof envelope;
      } catch {
        continue;
      }
      const link = linkToTraceparent(envelope.traceparent, typeof envelope.id === 'string' ? { 'messaging.message.id': envelope.id } : undefined);
      if (link) links.push(link);
    }
  }
  return links;
}
