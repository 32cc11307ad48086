import type { DataSource, EntityManager } from 'typeorm';
import { AggregateRoot } from '../ddd/aggregate-root';
import { childTraceparent, runInMessageContext } from '../context/message-context';
import type { CloudEvent } from '../event-log/cloud-event';
import { inConsumerSpan } from '../observability/tracing';
import { AppendedEvent, EventLogAppender } from '../event-log/event-log-appender';
import { domainEvent, OutgoingMessage } from '../event-log/outgoing-message';

/** The transaction a command handler works in: its state changes and the messages it publishes commit together. */
export class TransactionScope {
  private readonly outgoing: OutgoingMessage[] = [];

  constructor(readonly manager: EntityManager, readonly context: string) {}

  /** Queues the events the aggregate recorded as `<context>.<Name>` on `<context>-events`. */
  collect(...aggregates: AggregateRoot[]): void {
    for (const aggregate of aggregates) {
      for (const e of aggregate.pullEvents()) this.outgoing.push(domainEvent(this.context, e.name, e.aggregateId, e.data));
    }
  }

  publish(...messages: OutgoingMessage[]): void {
    this.outgoing.push(...messages);
  }

  /** @internal */
  drain(): OutgoingMessage[] {
    return this.outgoing.splice(0);
  }
}

/** Where a consumed message sits on its stream: stored with the handler's effect (docs/architecture.md §3.4). */
export interface ShardPosition {
  consumerGroup: string;
  stream: string;
  shardId: string;
  sequenceNumber: string;
}

export type CommittedListener = (context: string, events: AppendedEvent[]) => void;

const RETRYABLE = new Set(['40001', '40P01']); // serialization failure, deadlock

/**
 * One context's unit of work (docs/architecture.md §3.1): runs a piece of work in one transaction of the context's own
 * role and appends the messages it published to the context's event log in that same transaction.
 * Handlers never publish to Kinesis; the relay does, from the log.
 */
export class UnitOfWork {
  private readonly listeners: CommittedListener[] = [];

  constructor(readonly context: string, readonly dataSource: DataSource, private readonly appender: EventLogAppender) {}

  onCommitted(listener: CommittedListener): void {
    this.listeners.push(listener);
  }

  async run<T>(work: (tx: TransactionScope) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.once(work);
      } catch (error) {
        const code = (error as { code?: string }).code;
        if (attempt >= 5 || !code || !RETRYABLE.has(code)) throw error;
        await new Promise((r) => setTimeout(r, Math.random() * 20 * attempt));
      }
    }
  }

  /**
   * Applies `work` for `handler` at most once per message: the inbox row is inserted in the same
   * transaction, so a redelivered message finds it and the work is skipped. Runs in the message's context
   * (events it publishes are correlated to it and caused by it) and in a CONSUMER span under its traceparent.
   */
  async runOnce(
    handler: string,
    message: CloudEvent,
    work: (tx: TransactionScope) => Promise<void>,
    position?: ShardPosition,
  ): Promise<boolean> {
    const context = {
      correlationId: message.correlationid || message.id,
      causationId: message.id,
      traceparent: childTraceparent(message.traceparent),
    };
    // The span goes on the message's trace (its traceparent is the parent); events the handler appends carry the span.
    const span = { handler, event: message, stream: position?.stream, shardId: position?.shardId, consumerGroup: position?.consumerGroup };
    return runInMessageContext(context, () =>
      inConsumerSpan(span, async (active) => {
        const applied = await this.run(async (tx) => {
          const inserted = await tx.manager.query(
            `INSERT INTO "${this.context}".inbox (handler, message_id, source, type) VALUES ($1, $2, $3, $4)
             ON CONFLICT DO NOTHING RETURNING 1`,
            [handler, message.id, message.source, message.type],
          );
          // The position moves in the same transaction as the effect, also for a duplicate (it was applied before).
          // It is written last: its row (one per handler and shard) stays locked until commit, and taken
          // before the work it would make every key lane of the shard wait for this one's whole transaction.
          if (inserted.length > 0) await work(tx);
          if (position) await this.storePosition(tx, handler, position);
          return inserted.length > 0;
        });
        active.setAttribute('eda.inbox.duplicate', !applied);
        return applied;
      }),
    );
  }

  private async storePosition(tx: TransactionScope, handler: string, position: ShardPosition): Promise<void> {
    await tx.manager.query(
      `INSERT INTO "${this.context}".consumer_positions (consumer_group, handler, stream, shard_id, sequence_number)
       VALUES ($1, $2, $3, $4, $5::numeric)
       ON CONFLICT (consumer_group, handler, stream, shard_id) DO UPDATE
         SET sequence_number = GREATEST(consumer_positions.sequence_number, EXCLUDED.sequence_number), updated_at = now()`,
      [position.consumerGroup, handler, position.stream, position.shardId, position.sequenceNumber],
    );
  }

  private async once<T>(work: (tx: TransactionScope) => Promise<T>): Promise<T> {
    let appended: AppendedEvent[] = [];
    const result = await this.dataSource.transaction(async (manager) => {
      const tx = new TransactionScope(manager, this.context);
      const value = await work(tx);
      appended = this.appender.toCloudEvents(this.context, tx.drain());
      await this.appender.append(manager, this.context, appended);
      return value;
    });
    if (appended.length > 0) for (const listener of this.listeners) listener(this.context, appended);
    return result;
  }
}
