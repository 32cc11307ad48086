import { KinesisClient, PutRecordsCommand, PutRecordsRequestEntry } from '@aws-sdk/client-kinesis';
import { Link, ROOT_CONTEXT, Span, SpanKind } from '@opentelemetry/api';
import { BackoffPolicy, fullJitterDelay, sleep } from '../kinesis/backoff';
import { inSpan, linkToTraceparent, MESSAGING_SYSTEM, recordSpanFailure } from '../observability/tracing';
import type { StreamProvisioner } from '../kinesis/stream-provisioner';
import type { RelayMetrics } from './relay-metrics';
import type { Parking, RelayRecord, ReleasedRecord, SourceCheckpoint } from './relay-record';

export const MAX_RECORDS_PER_CALL = 500;
export const MAX_BYTES_PER_CALL = 5 * 1024 * 1024;
/** Kinesis' limit on one record: data plus partition key. */
export const MAX_RECORD_BYTES = 1024 * 1024;
const MAX_AGGREGATED_BYTES = MAX_RECORD_BYTES - 1024;
/** Error code of a record refused before sending: over MAX_RECORD_BYTES. */
export const RECORD_TOO_LARGE = 'RecordTooLarge';
/** See OrderedPublisherOptions.lingerMs. */
export const DEFAULT_LINGER_MS = 10;

/** Error code of a record parked only because an earlier record of its key is parked. */
export const KEY_PARKED = 'KeyParked';
const THROTTLING = new Set(['ProvisionedThroughputExceededException', 'KMSThrottlingException', 'LimitExceededException', 'ThrottlingException']);
/**
 * Refusals that sending the same bytes again cannot cure: the record is parked (docs/adr/0009-relay-parking-and-hot-keys.md). A KMS key
 * that is disabled or not allowed refuses every record of its stream; they are parked too and retried by an
 * operator once the key is fixed, instead of holding every other stream's progress.
 */
export const PERMANENT_REFUSALS = new Set([
  'ValidationException',
  'InvalidArgumentException',
  'KMSDisabledException',
  'KMSInvalidStateException',
  'KMSAccessDeniedException',
  'KMSNotFoundException',
  'KMSOptInRequired',
  RECORD_TOO_LARGE,
]);

/** `auto`: a key with several queued records sends them as one KPL aggregate; `on`: always aggregate; `off`: never. */
export type AggregationMode = 'auto' | 'on' | 'off';

/** Where parked records go (platform.relay_parked in the relay); a record counts as handled once `park` resolves. */
export interface ParkingSink {
  park(parkings: Parking[]): Promise<void>;
  /** Records sent again after an operator's retry (see `release`) that Kinesis now confirmed. */
  republished?(records: ReleasedRecord[]): void;
}

export interface OrderedPublisherOptions {
  streamPrefix: string;
  /** PutRecords calls in flight at once (each over different partition keys). */
  maxCallsInFlight?: number;
  /** Records accepted but not yet confirmed before `push` waits. */
  maxBuffered?: number;
  backoff?: BackoffPolicy;
  /** KPL aggregation of a key's queued run (default `auto`). */
  aggregation?: AggregationMode;
  /**
   * Partial calls of one stream start at least this far apart (default 10 ms; KPL's RecordMaxBufferedTime plays this
   * part). A record after a quiet spell still goes at once; under a steady trickle each call gathers what arrived
   * meanwhile, instead of one call per round trip each paying the SDK's per-call cost.
   */
  lingerMs?: number;
  parking: ParkingSink;
  log?: (line: string) => void;
  /** Told, after each call, which shards of the stream received records (wakes their readers). */
  onShardsWritten?: (streamName: string, shardIds: string[]) => void;
}

/** What has been confirmed, in push order: the records (to mark published) and the last checkpoint reached. */
export type ProgressListener = (confirmed: RelayRecord[], checkpoint: SourceCheckpoint | undefined) => void;

interface Entry {
  record: RelayRecord;
  bytes: number;
  /** Confirmed by Kinesis or durably parked: the source may move past it. */
  done: boolean;
  published: boolean;
  /** Pushed by the source (in the progress log); a released record is not. */
  logged: boolean;
  released?: ReleasedRecord;
}
type Item = Entry | { checkpoint: SourceCheckpoint };

interface KeyQueue {
  key: string;
  stream: string;
  streamName: string;
  partitionKey: string;
  entries: Entry[];
  attempt: number;
  /** open: sending; parked: every record is parked on arrival; releasing: arrivals wait for the parked rows read back. */
  state: 'open' | 'parked' | 'releasing';
  /** The next call for this key carries nothing else (a whole call was refused: find the culprit). */
  solo: boolean;
  /** This many next records go plain, one per call (an aggregate was refused: find the culprit). */
  plainRemaining: number;
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
 * whatever PutRecords accepts or refuses (docs/architecture.md §3.3). A call never carries a record of key K while an
 * earlier record of K is unconfirmed: each call takes at most the head of each key's queue, or the key's queued
 * run packed into one KPL aggregate (atomic, so order holds under partial failure), and several calls over
 * different keys are in flight at once. Refused records stay at the head of their key and are retried after
 * exponential backoff with full jitter — unless Kinesis refuses them for good (too large, invalid): the culprit
 * is isolated (its own call, then plain) and parked with its key's followers, and every other key flows
 * (docs/adr/0009-relay-parking-and-hot-keys.md). Progress is reported as the longest prefix of what was pushed
 * that is confirmed or durably parked, so the source acknowledges only what Kinesis or the parking table holds.
 */
export class OrderedPublisher {
  private readonly log: Item[] = [];
  private logHead = 0;
  private readonly queues = new Map<string, KeyQueue>();
  /** Keys whose head may be sent now, in round-robin order. */
  private readonly ready = new Set<string>();
  /** Ready keys per stream name. */
  private readonly readyPerStream = new Map<string, number>();
  /** Calls in flight that carry fewer records than a call can hold, per stream name. */
  private readonly partialCalls = new Map<string, number>();
  private readonly timers = new Set<NodeJS.Timeout>();
  /** When each stream's last partial call started (lingerMs). */
  private readonly lastPartialCall = new Map<string, number>();
  /** A pump is scheduled for when a lingering partial call may start. */
  private lingering = false;
  private readonly inFlight = new Set<Promise<void>>();
  /** Park writes, in order (a key's parked rows get ids in its order). */
  private parking: Promise<void> = Promise.resolve();
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
    this.options = { maxCallsInFlight: 8, maxBuffered: 20_000, backoff: { baseMs: 50, capMs: 2_000 }, aggregation: 'auto', lingerMs: DEFAULT_LINGER_MS, ...given } as typeof this.options;
    if (this.options.aggregation !== 'off') {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { RecordAggregator } = require('aws-kinesis-agg') as { RecordAggregator: new () => AggregatorLike };
      this.aggregatorFactory = () => new RecordAggregator();
    }
  }

  /** pushAll is queuing a run: calls start when it is queued (or when backpressure needs room). */
  private corked = false;

  /** Records pushed and not yet confirmed or parked. */
  get pending(): number {
    return this.buffered;
  }

  /** Queues a record; waits while too many are unconfirmed (backpressure on the source). */
  async push(record: RelayRecord): Promise<void> {
    while (this.buffered >= this.options.maxBuffered && !this.stopping) {
      this.pump();
      await this.waitForProgress();
    }
    const entry = this.entryFor(record, true);
    this.log.push(entry);
    this.buffered++;
    const queue = this.queueFor(record.stream, record.partitionKey);
    if (queue.state === 'parked') {
      this.writeParks(queue, [entry], [{ record, code: KEY_PARKED, message: 'an earlier record of its key is parked' }]);
      return;
    }
    queue.entries.push(entry);
    if (queue.state === 'open' && queue.entries.length === 1) this.markReady(queue);
    if (!this.corked) this.pump();
  }

  /**
   * Queues a run of records the source already holds (a polling pass), then sends. Pushed one by one, each key's
   * first record would leave in the first calls and its next ones wait for them, one round trip per record of a
   * key; queued first, a key's records of the run ride together in one aggregate and one call.
   */
  async pushAll(records: RelayRecord[]): Promise<void> {
    this.corked = true;
    try {
      for (const record of records) {
        if (this.stopping) return;
        await this.push(record);
      }
    } finally {
      this.corked = false;
      this.pump();
    }
  }

  /** Marks a point of the source; reported back once every record pushed before it is confirmed or parked. */
  checkpoint(token: SourceCheckpoint): void {
    this.log.push({ checkpoint: token });
    this.advance();
  }

  /** Resolves when everything pushed so far is confirmed or parked. */
  async drain(): Promise<void> {
    while (this.buffered > 0 || this.logHead < this.log.length) {
      if (this.stopping && this.inFlight.size === 0) return;
      await this.waitForProgress();
    }
  }

  /** Stops sending: in-flight calls and park writes finish (and report), nothing new starts; the rest is left to the next relay. */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    await Promise.allSettled([...this.inFlight, this.parking]);
    this.wake();
  }

  /** Keys known to be parked (from platform.relay_parked at start): their arrivals are parked behind them. */
  parkKeys(keys: Array<{ stream: string; partitionKey: string }>): void {
    for (const { stream, partitionKey } of keys) {
      const queue = this.queueFor(stream, partitionKey);
      if (queue.state === 'open' && queue.entries.length === 0) queue.state = 'parked';
    }
  }

  /** Keys parked now, by logical stream. */
  parkedKeys(): Array<{ stream: string; partitionKey: string }> {
    return [...this.queues.values()].filter((q) => q.state === 'parked').map((q) => ({ stream: q.stream, partitionKey: q.partitionKey }));
  }

  /**
   * First step of releasing a parked key: its arrivals now wait in memory instead of being parked, and every
   * park write already started is durable when this resolves, so the key's parked rows can be read back whole.
   * False when the key is not parked here.
   */
  async beginRelease(stream: string, partitionKey: string): Promise<boolean> {
    const queue = this.queueFor(stream, partitionKey);
    if (queue.state !== 'parked') {
      if (queue.entries.length === 0) this.queues.delete(queue.key);
      return false;
    }
    queue.state = 'releasing';
    await this.parking;
    return true;
  }

  /** Sends the key's parked rows (read back in order) before what arrived meanwhile; the key flows again. */
  release(stream: string, partitionKey: string, records: ReleasedRecord[]): void {
    const queue = this.queueFor(stream, partitionKey);
    if (queue.state !== 'releasing') return;
    queue.state = 'open';
    queue.entries.unshift(...records.map((released) => ({ ...this.entryFor(released, false), released })));
    if (queue.entries.length > 0) {
      this.markReady(queue);
      this.pump();
    } else {
      this.queues.delete(queue.key);
    }
  }

  /** Ends a release that found its head still parked (nobody asked yet): the key and what arrived meanwhile are parked. */
  repark(stream: string, partitionKey: string): void {
    const queue = this.queueFor(stream, partitionKey);
    if (queue.state !== 'releasing') return;
    queue.state = 'parked';
    const held = queue.entries;
    queue.entries = [];
    this.writeParks(queue, held, held.map((e) => ({ record: e.record, code: KEY_PARKED, message: 'an earlier record of its key is parked' })));
  }

  private entryFor(record: RelayRecord, logged: boolean): Entry {
    return { record, bytes: Buffer.byteLength(record.data) + Buffer.byteLength(record.partitionKey), done: false, published: false, logged };
  }

  private queueFor(stream: string, partitionKey: string): KeyQueue {
    const streamName = this.options.streamPrefix + stream;
    const key = `${streamName}\u0000${partitionKey}`;
    let queue = this.queues.get(key);
    if (!queue) {
      queue = { key, stream, streamName, partitionKey, entries: [], attempt: 0, state: 'open', solo: false, plainRemaining: 0 };
      this.queues.set(key, queue);
    }
    return queue;
  }

  private waitForProgress(): Promise<void> {
    return new Promise((resolveWait) => this.waiters.push(resolveWait));
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  private markReady(queue: KeyQueue): void {
    if (this.ready.has(queue.key)) return;
    this.ready.add(queue.key);
    this.readyPerStream.set(queue.streamName, (this.readyPerStream.get(queue.streamName) ?? 0) + 1);
  }

  private unready(queue: KeyQueue): void {
    if (!this.ready.delete(queue.key)) return;
    const left = (this.readyPerStream.get(queue.streamName) ?? 1) - 1;
    if (left > 0) this.readyPerStream.set(queue.streamName, left);
    else this.readyPerStream.delete(queue.streamName);
  }

  /** Pumps again in `ms` (one timer however many streams linger; cleared by stop). */
  private pumpIn(ms: number): void {
    if (this.lingering) return;
    this.lingering = true;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.lingering = false;
      this.pump();
    }, Math.ceil(ms));
    this.timers.add(timer);
  }

  private pump(): void {
    while (!this.stopping && this.inFlight.size < this.options.maxCallsInFlight && this.ready.size > 0) {
      const batch = this.takeBatch();
      if (batch.length === 0) return;
      const streamName = batch[0].queue.streamName;
      const partial = batch.length < MAX_RECORDS_PER_CALL;
      if (partial) {
        this.partialCalls.set(streamName, (this.partialCalls.get(streamName) ?? 0) + 1);
        this.lastPartialCall.set(streamName, Date.now());
      }
      const call = this.send(batch).finally(() => {
        this.inFlight.delete(call);
        if (partial) {
          const left = this.partialCalls.get(streamName)! - 1;
          if (left > 0) this.partialCalls.set(streamName, left);
          else this.partialCalls.delete(streamName);
        }
        this.pump();
      });
      this.inFlight.add(call);
    }
  }

  /**
   * The stream the next call goes to. A call that cannot be filled waits while another such call of its stream
   * is in flight (as Nagle's algorithm does): a lone record still goes at once, and under load records gather
   * into full calls instead of many small ones taking every slot in flight.
   */
  private nextStream(): string | undefined {
    const mayCall = (streamName: string) => {
      if ((this.readyPerStream.get(streamName) ?? 0) >= MAX_RECORDS_PER_CALL) return true;
      if (this.partialCalls.has(streamName)) return false;
      const wait = (this.lastPartialCall.get(streamName) ?? -Infinity) + this.options.lingerMs - Date.now();
      if (wait <= 0) return true;
      this.pumpIn(wait);
      return false;
    };
    const [firstKey] = this.ready;
    const first = firstKey === undefined ? undefined : this.queues.get(firstKey)?.streamName;
    if (first !== undefined && mayCall(first)) return first;
    for (const streamName of this.readyPerStream.keys()) if (mayCall(streamName)) return streamName;
    return undefined;
  }

  /** One call's worth of key heads, all on one stream (see nextStream); a key being isolated goes alone. */
  private takeBatch(): Outgoing[] {
    const batch: Outgoing[] = [];
    const streamName = this.nextStream();
    if (streamName === undefined) return batch;
    let bytes = 0;
    for (const key of this.ready) {
      const queue = this.queues.get(key)!;
      if (queue.streamName !== streamName) continue;
      const head = queue.entries[0];
      if (head.bytes > MAX_RECORD_BYTES) {
        // Kinesis would refuse the whole call: refused here, so it never holds back the records it would ride with.
        this.unready(queue);
        this.metrics.failed.inc({ code: RECORD_TOO_LARGE });
        this.parkQueue(queue, RECORD_TOO_LARGE, `record of ${head.bytes} bytes (data + partition key) exceeds Kinesis' limit of ${MAX_RECORD_BYTES}`);
        continue;
      }
      if (batch.length > 0 && queue.solo) continue;
      const outgoing = this.outgoingFor(queue);
      const size = (outgoing.request.Data?.length ?? 0) + Buffer.byteLength(queue.partitionKey);
      if (batch.length > 0 && bytes + size > MAX_BYTES_PER_CALL) break;
      this.unready(queue);
      batch.push(outgoing);
      bytes += size;
      if (queue.solo || batch.length >= MAX_RECORDS_PER_CALL) break;
    }
    return batch;
  }

  private outgoingFor(queue: KeyQueue): Outgoing {
    const head = queue.entries[0];
    const plain = (): Outgoing => ({ queue, entries: [head], request: { PartitionKey: queue.partitionKey, Data: Buffer.from(head.record.data) } });
    const mode = this.options.aggregation;
    if (!this.aggregatorFactory || queue.plainRemaining > 0 || head.bytes > MAX_AGGREGATED_BYTES) return plain();
    if (mode === 'auto' && queue.entries.length === 1) return plain();
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
    // `auto` aggregates runs only: a head whose follower does not fit goes plain.
    if (mode === 'auto' && entries.length === 1) return plain();
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
        if (!code) {
          this.confirmed(outgoing);
          if (records[i].ShardId) shards.add(records[i].ShardId!);
          return;
        }
        failed++;
        if (PERMANENT_REFUSALS.has(code)) this.refusedForGood(outgoing, code, records[i]?.ErrorMessage ?? code, true);
        else this.refused(outgoing, code);
      });
      if (shards.size > 0) this.options.onShardsWritten?.(streamName, [...shards]);
      this.metrics.calls.inc({ outcome: failed === 0 ? 'ok' : 'partial' });
      span.setAttribute('eda.kinesis.failed_record_count', failed);
    } catch (error) {
      recordSpanFailure(span, error);
      const name = (error as { name?: string })?.name ?? 'Error';
      const message = (error as Error)?.message ?? String(error);
      this.metrics.calls.inc({ outcome: 'error' });
      if (name === 'ResourceNotFoundException') this.provisioner.forget(streamName);
      if (PERMANENT_REFUSALS.has(name)) {
        // The call names no culprit: each record (or aggregate) goes alone until the refused one is found.
        for (const outgoing of batch) this.refusedForGood(outgoing, name, message, batch.length === 1);
        return;
      }
      if (THROTTLING.has(name)) this.metrics.throttled.inc(batch.length);
      else this.options.log?.(`PutRecords to ${streamName} failed (${name}: ${message}); retrying`);
      for (const outgoing of batch) this.refused(outgoing, name, false);
    }
  }

  private confirmed(outgoing: Outgoing): void {
    const { queue, entries } = outgoing;
    const republished: ReleasedRecord[] = [];
    for (const entry of entries) {
      entry.done = true;
      entry.published = true;
      if (entry.released) republished.push(entry.released);
    }
    queue.entries.splice(0, entries.length);
    queue.attempt = 0;
    queue.solo = false;
    queue.plainRemaining = Math.max(0, queue.plainRemaining - entries.length);
    this.metrics.sent.inc({ stream: queue.streamName }, entries.length);
    if (republished.length > 0) this.options.parking.republished?.(republished);
    if (queue.entries.length > 0) this.markReady(queue);
    else this.queues.delete(queue.key);
  }

  private refused(outgoing: Outgoing, code: string, countPerRecord = true): void {
    const { queue, entries } = outgoing;
    if (countPerRecord) {
      if (THROTTLING.has(code)) this.metrics.throttled.inc(entries.length);
      else this.metrics.failed.inc({ code }, entries.length);
    }
    this.metrics.retries.inc(entries.length);
    queue.attempt++;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.markReady(queue);
      this.pump();
    }, fullJitterDelay(queue.attempt, this.options.backoff));
    this.timers.add(timer);
  }

  /**
   * A refusal sending again cannot cure. `alone`: the refusal is this outgoing's own (per-record error, or a
   * call that carried nothing else). An aggregate is then split (plain records, one per call); a plain record
   * is parked with its key's followers. Otherwise the key goes in a call of its own first.
   */
  private refusedForGood(outgoing: Outgoing, code: string, message: string, alone: boolean): void {
    const { queue, entries } = outgoing;
    this.metrics.failed.inc({ code }, entries.length);
    if (!alone) queue.solo = true;
    else if (entries.length > 1) queue.plainRemaining = entries.length;
    else return this.parkQueue(queue, code, message);
    this.markReady(queue);
  }

  /** Parks the key's head (refused for good) and every record queued behind it; the key's arrivals follow until released. */
  private parkQueue(queue: KeyQueue, code: string, message: string): void {
    const entries = queue.entries;
    queue.entries = [];
    queue.state = 'parked';
    queue.attempt = 0;
    queue.solo = false;
    queue.plainRemaining = 0;
    const [head] = entries;
    const behind = `behind ${head.record.schema} position ${head.record.position}, refused for good`;
    this.writeParks(queue, entries, entries.map((e, i) => (i === 0 ? { record: e.record, code, message } : { record: e.record, code: KEY_PARKED, message: behind })));
  }

  /** Records parkings durably (retried until they are), then lets the source move past them. */
  private writeParks(queue: KeyQueue, entries: Entry[], parkings: Parking[]): void {
    if (entries.length === 0) return;
    this.parking = this.parking.then(async () => {
      for (let attempt = 1; ; attempt++) {
        try {
          await this.options.parking.park(parkings);
          break;
        } catch (error) {
          if (this.stopping) return;
          this.options.log?.(`recording ${parkings.length} parked record(s) failed (${(error as Error).message}); retrying`);
          await sleep(fullJitterDelay(attempt, this.options.backoff));
        }
      }
      const [first] = parkings;
      this.options.log?.(first.code === KEY_PARKED
        ? `parked ${parkings.length} record(s) of ${queue.streamName} / ${queue.partitionKey} behind its parked head (${first.record.schema} position ${parkings.map((p) => p.record.position).join(', ')})`
        : `parked ${queue.streamName} / ${queue.partitionKey} at ${first.record.schema} position ${first.record.position} (${first.code}: ${first.message})`
          + (parkings.length > 1 ? ` and ${parkings.length - 1} record(s) behind it` : ''));
      for (const p of parkings) this.metrics.parked.inc({ stream: queue.stream, code: p.code });
      for (const entry of entries) entry.done = true;
      this.advance();
    });
  }

  /** Reports the longest done (confirmed or parked) prefix of the log and forgets it. */
  private advance(): void {
    const confirmed: RelayRecord[] = [];
    let done = 0;
    let checkpoint: SourceCheckpoint | undefined;
    while (this.logHead < this.log.length) {
      const item = this.log[this.logHead];
      if ('checkpoint' in item) checkpoint = item.checkpoint;
      else if (!item.done) break;
      else {
        done++;
        if (item.published) confirmed.push(item.record);
      }
      this.logHead++;
    }
    if (this.logHead > 4096 && this.logHead * 2 > this.log.length) {
      this.log.splice(0, this.logHead);
      this.logHead = 0;
    }
    if (done === 0 && checkpoint === undefined) return;
    this.buffered -= done;
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
