import { Logger } from '@nestjs/common';
import type { ConsumerMetrics } from '../consumer-metrics';
import type { ConsumerOptions } from '../consumer-options';
import { DeadLetterStore, LeaseClaim, NewDeadLetter, UNPARSEABLE_HANDLER } from '../dead-letters/dead-letter-store';
import type { RegisteredHandler } from '../handlers/message-handler';
import type { DecodedMessage } from './record-decoder';
import type { ShardPosition } from '../../database/unit-of-work';
import type { CloudEvent } from '../../event-log/cloud-event';
import { fullJitterDelay, sleep } from '../../kinesis/backoff';

/** What a reader tells the dispatcher about the batch's shard. */
export interface ShardBatch {
  stream: string;
  physicalStream: string;
  shardId: string;
  /** handler → partition keys parked for it; kept by the reader across batches. */
  parked: Map<string, Set<string>>;
  /** Set when the worker stops: pending retries give up (unchecked messages stay after the checkpoint). */
  isStopping: () => boolean;
  /**
   * The reader's lease: parking is refused once it is lost (the message stays unfinished for the next owner),
   * and deliveries move the handler's shard position. Absent for the event-log backfill, which is not a shard.
   */
  lease?: LeaseClaim;
}

type Outcome = 'done' | 'stopped';

/**
 * Fans one shard's batch out to every handler subscribed to each message's type (docs/architecture.md §3.5). Each
 * handler takes its messages of the batch in one transaction (docs/adr/0017-batched-consumer-transactions.md), or in a
 * few side by side for a large batch of a one-message handler (batchLanes), keys in a fixed order so two batches
 * touching the same keys take their locks alike. When that transaction
 * fails, the handler's messages go one by one: messages of one partition key one after the other, different
 * keys in parallel; a failing delivery is retried with exponential backoff and full jitter, then parked with
 * every later message of its key for that handler (docs/architecture.md §3.6). A key already parked for a handler
 * always goes one by one (its messages park behind it). Returns, per message, whether every delivery of it
 * finished (applied or parked).
 */
export class MessageDispatcher {
  private readonly logger = new Logger('MessageDispatcher');

  constructor(
    private readonly handlers: RegisteredHandler[],
    private readonly deadLetters: DeadLetterStore,
    private readonly metrics: ConsumerMetrics,
    private readonly options: ConsumerOptions,
  ) {}

  /** Handlers with a subscription on `stream` (a logical name). */
  subscribersOf(stream: string): RegisteredHandler[] {
    return this.handlers.filter((h) => h.subscriptions.has(stream));
  }

  async dispatch(batch: ShardBatch, messages: DecodedMessage[]): Promise<boolean[]> {
    const completed = messages.map(() => true);
    const deliveries = new Map<RegisteredHandler, number[]>();
    for (let i = 0; i < messages.length; i++) {
      const message = messages[i];
      if (!message.event) {
        if (!(await this.park(batch, UNPARSEABLE_HANDLER, message, message.poison ?? 'poison record', 0))) return messages.map((_, j) => j < i);
        this.logger.warn(`Parked a poison record of ${batch.stream}/${batch.shardId} at ${message.sequenceNumber}: ${message.poison}`);
        continue;
      }
      for (const handler of this.subscribersOf(batch.stream)) {
        if (!handler.subscriptions.get(batch.stream)!.has(message.event.type)) continue;
        if (!deliveries.has(handler)) deliveries.set(handler, []);
        deliveries.get(handler)!.push(i);
      }
    }
    await Promise.all([...deliveries].map(async ([handler, indexes]) => {
      for (const index of await this.deliverToHandler(batch, handler, messages, indexes)) completed[index] = false;
    }));
    return completed;
  }

  /** Delivers `indexes` of the batch to one handler; returns the indexes whose delivery did not finish (stopping, lease lost). */
  private async deliverToHandler(batch: ShardBatch, handler: RegisteredHandler, messages: DecodedMessage[], indexes: number[]): Promise<number[]> {
    const parkedKeys = batch.parked.get(handler.name);
    const together = indexes.filter((i) => !parkedKeys?.has(messages[i].partitionKey));
    const oneByOne = indexes.filter((i) => parkedKeys?.has(messages[i].partitionKey));
    if (together.length < 2) return this.deliverOneByOne(batch, handler, messages, indexes);
    // Each lane (its keys whole) in a transaction of its own, side by side; a lane that fails goes one by one.
    const failed: number[] = [];
    await Promise.all(batchLanes(handler, messages, together).map(async (lane) => {
      if (!(await this.deliverTogether(batch, handler, messages, lane))) failed.push(...lane);
    }));
    return this.deliverOneByOne(batch, handler, messages, [...failed, ...oneByOne].sort((a, b) => a - b));
  }

  /** One transaction for all of `indexes` (keys sorted, each key in its order); false when it failed and nothing of it was applied. */
  private async deliverTogether(batch: ShardBatch, handler: RegisteredHandler, messages: DecodedMessage[], indexes: number[]): Promise<boolean> {
    const ordered = [...indexes].sort((a, b) => compareKeys(messages[a].partitionKey, messages[b].partitionKey) || a - b);
    const events = ordered.map((i) => messages[i].event!);
    const last = messages[Math.max(...indexes)];
    const position = this.positionOf(batch, last);
    const stopTimer = this.metrics.handlerDuration.startTimer({ handler: handler.name });
    try {
      const applied = await handler.unitOfWork.runBatch(handler.name, events, (event, tx) => handler.handle(event, tx), position, {
        workAll: handler.handleBatch && ((all, tx) => handler.handleBatch!(all, tx)),
        prepare: handler.prepareBatch && ((all, tx) => handler.prepareBatch!(all, tx)),
        finish: handler.finishBatch && ((tx) => handler.finishBatch!(tx)),
      });
      stopTimer();
      applied.forEach((wasApplied, j) => this.delivered(batch, handler, events[j], wasApplied));
      return true;
    } catch (error) {
      stopTimer();
      this.metrics.batchFallbacks.inc({ handler: handler.name });
      this.logger.debug(`${handler.name}: a batch of ${events.length} on ${batch.stream}/${batch.shardId} failed (${(error as Error).message}); applying it one by one`);
      return false;
    }
  }

  /** Per key in order, keys in parallel lanes; returns the indexes not finished. */
  private async deliverOneByOne(batch: ShardBatch, handler: RegisteredHandler, messages: DecodedMessage[], indexes: number[]): Promise<number[]> {
    if (indexes.length === 0) return [];
    const byKey = new Map<string, number[]>();
    for (const i of indexes) {
      const key = messages[i].partitionKey;
      if (!byKey.has(key)) byKey.set(key, []);
      byKey.get(key)!.push(i);
    }
    const queues = [...byKey.values()];
    const unfinished: number[] = [];
    let next = 0;
    const lanes = Array.from({ length: Math.min(this.options.keyConcurrency, queues.length) }, async () => {
      while (next < queues.length) {
        const queue = queues[next++];
        for (let q = 0; q < queue.length; q++) {
          if ((await this.deliver(batch, handler, messages[queue[q]])) === 'stopped') {
            unfinished.push(...queue.slice(q));
            break;
          }
        }
      }
    });
    await Promise.all(lanes);
    return unfinished;
  }

  private positionOf(batch: ShardBatch, message: DecodedMessage): ShardPosition | undefined {
    return batch.lease
      ? { consumerGroup: this.options.consumerGroup, stream: batch.stream, shardId: batch.shardId, sequenceNumber: message.sequenceNumber }
      : undefined;
  }

  private delivered(batch: ShardBatch, handler: RegisteredHandler, event: CloudEvent, applied: boolean): void {
    this.metrics.recordsProcessed.inc({ stream: batch.stream, handler: handler.name, outcome: applied ? 'applied' : 'duplicate' });
    if (applied && typeof event.time === 'string') {
      const latency = (Date.now() - Date.parse(event.time)) / 1000;
      if (Number.isFinite(latency) && latency >= 0) this.metrics.deliveryLatency.observe({ handler: handler.name }, latency);
    }
  }

  private async deliver(batch: ShardBatch, handler: RegisteredHandler, message: DecodedMessage): Promise<Outcome> {
    const event = message.event!;
    const parkedKeys = batch.parked.get(handler.name);
    if (parkedKeys?.has(message.partitionKey)) {
      const parked = await this.deadLetters.parkBehind(this.letter(batch, handler.name, message, 'parked behind an earlier message of its key', 0), batch.lease);
      if (parked === 'lost') return this.lost(batch, message);
      if (parked === 'parked') {
        this.metrics.deadLettersTotal.inc({ handler: handler.name });
        return 'done';
      }
      parkedKeys.delete(message.partitionKey);
    }
    let lastError: unknown;
    for (let attempt = 1; attempt <= this.options.maxAttempts; attempt++) {
      const stopTimer = this.metrics.handlerDuration.startTimer({ handler: handler.name });
      try {
        const applied = await handler.unitOfWork.runOnce(handler.name, event, (tx) => handler.handle(event, tx), this.positionOf(batch, message));
        stopTimer();
        this.delivered(batch, handler, event, applied);
        return 'done';
      } catch (error) {
        stopTimer();
        lastError = error;
        this.metrics.handlerFailures.inc({ handler: handler.name });
        if (attempt === this.options.maxAttempts) break;
        if (batch.isStopping()) return 'stopped';
        await sleep(fullJitterDelay(attempt - 1, { baseMs: this.options.retryBaseMs, capMs: this.options.retryMaxMs }));
      }
    }
    const reason = lastError instanceof Error ? lastError.message : String(lastError);
    if (!(await this.park(batch, handler.name, message, reason, this.options.maxAttempts))) return this.lost(batch, message);
    if (!batch.parked.has(handler.name)) batch.parked.set(handler.name, new Set());
    batch.parked.get(handler.name)!.add(message.partitionKey);
    this.logger.warn(`Parked ${event.type} ${event.id} (key ${message.partitionKey}) for ${handler.name} after ${this.options.maxAttempts} attempts: ${reason}`);
    return 'done';
  }

  /** False when the lease was lost: the next owner reads the message again and decides. */
  private async park(batch: ShardBatch, handler: string, message: DecodedMessage, error: string, attempts: number): Promise<boolean> {
    if ((await this.deadLetters.park(this.letter(batch, handler, message, error, attempts), batch.lease)) === 'lost') return false;
    this.metrics.deadLettersTotal.inc({ handler });
    return true;
  }

  private lost(batch: ShardBatch, message: DecodedMessage): Outcome {
    this.logger.warn(`Not parking ${message.event?.id ?? message.sequenceNumber} (key ${message.partitionKey}): the lease of ${batch.stream}/${batch.shardId} is another worker's now`);
    return 'stopped';
  }

  private letter(batch: ShardBatch, handler: string, message: DecodedMessage, error: string, attempts: number): NewDeadLetter {
    return {
      handler,
      stream: batch.stream,
      shardId: batch.shardId,
      sequenceNumber: message.sequenceNumber,
      subSequence: message.subSequence,
      partitionKey: message.partitionKey,
      event: message.event ?? null,
      raw: message.event ? null : (message.raw ?? null),
      error,
      attempts,
    };
  }
}

/** Fewest messages a batch lane carries: below it a transaction of its own costs more than it saves. */
export const MIN_LANE_MESSAGES = 32;
/** Most lanes one handler's batch of one shard is split into (each holds a connection of the context's pool). */
export const MAX_BATCH_LANES = 4;

/**
 * Splits a handler's batch into lanes of whole keys (keys dealt in turn, so each key's messages stay together
 * and in order). A handler that takes one message at a time spends a round trip or more per message inside its
 * transaction; on one connection a large batch applies no faster than one message after another, and a consumer
 * slower than its producers falls behind for as long as they keep up the pace. Lanes run those round trips on
 * up to MAX_BATCH_LANES connections at once (docs/adr/0017-batched-consumer-transactions.md, addendum). A handler
 * that works on the batch as a whole (handleBatch, prepareBatch/finishBatch) keeps one transaction: its set-based
 * statements are what makes it fast, and its locks are taken for the batch in one order.
 */
export function batchLanes(handler: Pick<RegisteredHandler, 'handleBatch' | 'prepareBatch' | 'finishBatch'>, messages: Pick<DecodedMessage, 'partitionKey'>[], indexes: number[]): number[][] {
  const setBased = Boolean(handler.handleBatch || handler.prepareBatch || handler.finishBatch);
  const keys = [...new Set(indexes.map((i) => messages[i].partitionKey))].sort(compareKeys);
  const count = setBased ? 1 : Math.max(1, Math.min(MAX_BATCH_LANES, Math.floor(indexes.length / MIN_LANE_MESSAGES), keys.length));
  if (count === 1) return [indexes];
  const laneOfKey = new Map(keys.map((key, k) => [key, k % count]));
  const lanes: number[][] = Array.from({ length: count }, () => []);
  for (const i of indexes) lanes[laneOfKey.get(messages[i].partitionKey)!].push(i);
  return lanes;
}

/** Plain code-unit order: the same in every process, whatever the locale. */
function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
