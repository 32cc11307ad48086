import { Logger } from '@nestjs/common';
import { DomainError } from '../../ddd/domain-error';
import type { ConsumerMetrics } from '../consumer-metrics';
import { DeadLetter, DeadLetterStatus, DeadLetterStore, isEventLogShard, UNPARSEABLE_HANDLER } from './dead-letter-store';
import type { RegisteredHandler } from '../handlers/message-handler';

export class DeadLetterNotFoundError extends DomainError {
  constructor(id: string) {
    super('CONSUMER.DEAD_LETTER_NOT_FOUND', `No dead letter with id ${id}.`);
  }
}

export class DeadLetterConflictError extends DomainError {
  constructor(message: string) {
    super('CONSUMER.DEAD_LETTER_CONFLICT', message);
  }
}

/**
 * The operator's side of the dead-letter table (docs/architecture.md §3.6). A retry re-applies the key's parked messages
 * for that handler in their order, through the handler's inbox (so one that did apply is not applied twice),
 * and stops at the first that fails again; once none is left the key flows again.
 */
export class DeadLetterService {
  private readonly logger = new Logger('DeadLetterService');
  private readonly draining = new Map<string, Promise<void>>();

  constructor(
    private readonly store: DeadLetterStore,
    private readonly handlers: () => RegisteredHandler[],
    private readonly metrics: ConsumerMetrics,
  ) {}

  list(filter: { handler?: string; partitionKey?: string; status?: DeadLetterStatus; limit?: number; cursor?: string }) {
    return this.store.list({ ...filter, status: filter.status ?? 'parked', limit: Math.min(Math.max(filter.limit ?? 50, 1), 500) });
  }

  /** Starts re-running the letter's key in the background; resolves once it is accepted, with the drain's promise. */
  async retry(id: string): Promise<{ accepted: DeadLetter; completion: Promise<void> }> {
    const letter = await this.store.get(id);
    if (!letter) throw new DeadLetterNotFoundError(id);
    if (letter.status !== 'parked') throw new DeadLetterConflictError(`Dead letter ${id} is ${letter.status}, not parked.`);
    if (letter.handler === UNPARSEABLE_HANDLER) throw new DeadLetterConflictError(`Dead letter ${id} is not a CloudEvent; it can only be discarded.`);
    const handler = this.handlers().find((h) => h.name === letter.handler);
    if (!handler) throw new DeadLetterConflictError(`Handler ${letter.handler} is not registered in this process.`);
    const key = `${letter.handler}\u0000${letter.partitionKey}`;
    let completion = this.draining.get(key);
    if (!completion) {
      completion = this.drain(handler, letter).finally(() => this.draining.delete(key));
      this.draining.set(key, completion);
    }
    return { accepted: letter, completion };
  }

  async discard(id: string): Promise<void> {
    const letter = await this.store.get(id);
    if (!letter) throw new DeadLetterNotFoundError(id);
    if (!(await this.store.discard(id))) throw new DeadLetterConflictError(`Dead letter ${id} is ${letter.status}, not parked.`);
    await this.refreshGauge();
  }

  private async drain(handler: RegisteredHandler, from: DeadLetter): Promise<void> {
    let next = await this.store.oldestParked(from.handler, from.partitionKey);
    while (next) {
      const event = next.event!;
      try {
        // A letter of the backfill came from the event log, not a shard: there is no shard position to move.
        const position = isEventLogShard(next.shardId)
          ? undefined
          : { consumerGroup: this.store.consumerGroup, stream: next.stream, shardId: next.shardId, sequenceNumber: next.sequenceNumber };
        await handler.unitOfWork.runOnce(handler.name, event, (tx) => handler.handle(event, tx), position);
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        this.metrics.handlerFailures.inc({ handler: handler.name });
        await this.store.recordFailure(next.id, reason);
        this.logger.warn(`Retry of dead letter ${next.id} for ${handler.name} failed again: ${reason}`);
        break;
      }
      next = await this.store.resolveAndNext(next);
    }
    await this.refreshGauge();
  }

  private async refreshGauge(): Promise<void> {
    this.metrics.deadLettersParked.set(await this.store.countParked());
  }
}
