import type { DataSource, EntityManager } from 'typeorm';
import { AggregateRoot } from '../ddd/aggregate-root';
import { childTraceparent, runInMessageContext } from '../context/message-context';
import type { CloudEvent } from '../event-log/cloud-event';
import type { Span } from '@opentelemetry/api';
import { inConsumerSpan } from '../observability/tracing';
import { AppendedEvent, EventLogAppender } from '../event-log/event-log-appender';
import { domainEvent, OutgoingMessage } from '../event-log/outgoing-message';
import { BackoffPolicy, fullJitterDelay, sleep } from '../kinesis/backoff';
import { ident } from '../sql/ident';
import type { SqlStatement } from '../sql/sql-statement';
import { Gathering } from './gathering';

const INSERT = /^\s*INSERT\s+INTO\s/i;

/**
 * A name for something kept in a transaction (TransactionScope.keep/find), carrying the type of what is kept, so
 * the code that keeps and the code that finds agree at compile time. Declare it once, next to that type, and
 * import it on both sides. Keys are told apart by identity: two keys with the same description are two keys.
 */
export class TransactionKey<in out T> {
  /** Never set: it makes keys of different types different types (TypeScript compares classes by shape). */
  private declare readonly carries: (value: T) => T;

  constructor(readonly description: string) {}
}

/** The transaction a command handler works in: its state changes and the messages it publishes commit together. */
export class TransactionScope {
  private readonly outgoing: OutgoingMessage[] = [];
  private readonly inserts: SqlStatement[] = [];
  private readonly kept = new Map<object, unknown>();

  /** `manager` undefined: a unit of work that is one statement (UnitOfWork.runInOneStatement), with no transaction to query in. */
  constructor(
    private readonly transaction: EntityManager | undefined,
    readonly context: string,
  ) {}

  /** The transaction's entity manager: every query through it is part of the unit of work. */
  get manager(): EntityManager {
    if (!this.transaction) {
      throw new Error('this unit of work is one statement (runInOneStatement): it has no transaction to query in; read before it, add rows with insertWithEvents');
    }
    return this.transaction;
  }

  /** Keeps a value for the rest of this transaction under `key` (a batch's prepared state, see MessageHandler.prepareBatch). */
  keep<T>(key: TransactionKey<T>, value: NoInfer<T>): void {
    this.kept.set(key, value);
  }

  /** What `keep` kept under `key`, if anything. */
  find<T>(key: TransactionKey<T>): T | undefined {
    // The only cast: `keep` accepted nothing but a T under this key.
    return this.kept.get(key) as T | undefined;
  }

  /** Queues the events the aggregate recorded as `<context>.<Name>` on `<context>-events`. */
  collect(...aggregates: AggregateRoot[]): void {
    for (const aggregate of aggregates) {
      for (const e of aggregate.pullEvents()) this.outgoing.push(domainEvent(this.context, e.name, e.aggregateId, e.data));
    }
  }

  publish(...messages: OutgoingMessage[]): void {
    this.outgoing.push(...messages);
  }

  /**
   * Adds new rows together with the transaction's events: the INSERT goes to the database in the same statement
   * as the event-log rows, right before COMMIT, so a command that only adds rows pays one round trip for all of
   * them (docs/adr/0022-new-rows-ride-with-the-events.md). For rows nothing reads back in this transaction; a
   * failure (a key already taken) fails the unit of work there, and nothing of it commits. A plain
   * `INSERT INTO … VALUES …` with positional parameters ($n only as parameters).
   */
  insertWithEvents(statement: SqlStatement): void {
    if (!INSERT.test(statement.sql)) throw new TypeError(`insertWithEvents takes an INSERT statement, not: ${statement.sql.slice(0, 60)}`);
    this.inserts.push(statement);
  }

  /** @internal */
  drain(): OutgoingMessage[] {
    return this.outgoing.splice(0);
  }

  /** @internal */
  drainInserts(): SqlStatement[] {
    return this.inserts.splice(0);
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
/** Short: the transaction that won the conflict has committed or is about to. */
const RETRY_BACKOFF: BackoffPolicy = { baseMs: 10, capMs: 80 };

/** A one-statement unit of work waiting to be written (UnitOfWork.runInOneStatement). */
interface OneStatementUnit {
  statements: readonly SqlStatement[];
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** One-statement batches in flight at once, per context (two of its pool's connections write while the next gathers). */
const ONE_STATEMENT_BATCHES_IN_FLIGHT = 2;
/** Bind parameters per shared statement at most (PostgreSQL takes 65,535). */
const MAX_SHARED_PARAMETERS = 30_000;

/** The next shared statement's units, oldest first, within MAX_SHARED_PARAMETERS (a larger unit goes alone). */
function takeOneStatementUnits(waiting: OneStatementUnit[]): { batch: OneStatementUnit[]; rest: OneStatementUnit[] } {
  let parameters = 0;
  let count = 0;
  for (const unit of waiting) {
    const own = unit.statements.reduce((n, s) => n + s.params.length, 0);
    if (count > 0 && parameters + own > MAX_SHARED_PARAMETERS) break;
    parameters += own;
    count++;
  }
  return { batch: waiting.slice(0, count), rest: waiting.slice(count) };
}

/**
 * One context's unit of work (docs/architecture.md §3.1): runs a piece of work in one transaction of the context's own
 * role and appends the messages it published to the context's event log in that same transaction.
 * Handlers never publish to Kinesis; the relay does, from the log.
 */
export class UnitOfWork {
  private readonly listeners: CommittedListener[] = [];
  /** One-statement units of work in flight together share a statement (runInOneStatement). */
  private readonly oneStatements: Gathering<OneStatementUnit>;

  constructor(readonly context: string, readonly dataSource: DataSource, private readonly appender: EventLogAppender) {
    this.oneStatements = new Gathering({ maxInFlight: ONE_STATEMENT_BATCHES_IN_FLIGHT, take: takeOneStatementUnits, send: (batch) => this.writeTogether(batch) });
  }

  onCommitted(listener: CommittedListener): void {
    this.listeners.push(listener);
  }

  async run<T>(work: (tx: TransactionScope) => Promise<T>): Promise<T> {
    return this.retrying(() => this.once(work));
  }

  /**
   * A unit of work that only adds rows (docs/adr/0022-new-rows-ride-with-the-events.md): what `work` adds with
   * `insertWithEvents` and the events it publishes are written by one statement, which is its own transaction —
   * one round trip, no BEGIN and no COMMIT to wait for. `work` cannot query (the scope has no manager): what it
   * decides on, it read before, as it would have read it in a transaction (READ COMMITTED: each read sees what was
   * committed when it ran), and nothing it adds can be read back before the statement commits.
   */
  async runInOneStatement<T>(work: (tx: TransactionScope) => T): Promise<T> {
    let appended: AppendedEvent[] = [];
    const value = await this.retrying(async () => {
      const tx = new TransactionScope(undefined, this.context);
      const result = work(tx);
      appended = this.appender.toCloudEvents(this.context, tx.drain());
      const statements = this.appender.statementsOf(this.context, appended, tx.drainInserts());
      if (statements.length > 0) await new Promise<void>((resolve, reject) => this.oneStatements.add({ statements, resolve, reject }));
      return result;
    });
    this.committed(appended);
    return value;
  }

  /**
   * Group commit of one-statement units of work: those that waited while others were written go as one statement,
   * one transaction, one round trip (their rows do not read each other's, as within one unit). When that statement
   * fails — one unit's key already taken, an event too large, a deadlock — each unit is written alone and gets its
   * own outcome (a retryable error is retried by its own unit): one unit's failure never fails another.
   */
  private async writeTogether(units: OneStatementUnit[]): Promise<void> {
    const manager = this.dataSource.manager;
    if (units.length > 1) {
      try {
        await this.appender.write(manager, units.flatMap((u) => u.statements));
        for (const unit of units) unit.resolve();
        return;
      } catch {
        // Each alone, below.
      }
    }
    await Promise.all(units.map(async (unit) => {
      try {
        await this.appender.write(manager, unit.statements);
        unit.resolve();
      } catch (error) {
        unit.reject(error);
      }
    }));
  }

  /** Runs a transaction again after a serialization failure or a deadlock (up to 5 times). */
  private async retrying<T>(transaction: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await transaction();
      } catch (error) {
        const code = (error as { code?: string }).code;
        if (attempt >= 5 || !code || !RETRYABLE.has(code)) throw error;
        await sleep(fullJitterDelay(attempt, RETRY_BACKOFF));
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
    return inMessage(handler, message, position, async (active) => {
      const applied = await this.run(async (tx) => {
        const inserted = await tx.manager.query(
          `INSERT INTO ${ident(this.context)}.inbox (handler, message_id, source, type) VALUES ($1, $2, $3, $4)
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
    });
  }

  /**
   * Applies a batch of messages for `handler` in one transaction (docs/adr/0017-batched-consumer-transactions.md):
   * one inbox insert for all, then each new message's work in turn, in its own message context and span (the
   * events it publishes are correlated to it), the events appended together and the shard position written
   * once, last. All or nothing: when it throws nothing of it is committed, and the caller applies the messages
   * one by one (runOnce), so a failing one is retried and parked alone. A lock wait longer than
   * `lockTimeoutMs` fails the batch rather than queueing behind another (the one-by-one path waits instead).
   * Returns, per message, whether it was applied (false: the inbox already held it).
   */
  async runBatch(
    handler: string,
    messages: CloudEvent[],
    work: (message: CloudEvent, tx: TransactionScope) => Promise<void>,
    position?: ShardPosition,
    options: {
      lockTimeoutMs?: number;
      workAll?: (messages: CloudEvent[], tx: TransactionScope) => Promise<void>;
      /** Before `work` runs for each applied message: loads and locks for all of them at once. */
      prepare?: (messages: CloudEvent[], tx: TransactionScope) => Promise<void>;
      /** After `work` ran for the last one: writes what they left in memory. */
      finish?: (tx: TransactionScope) => Promise<void>;
    } = {},
  ): Promise<boolean[]> {
    const lockTimeoutMs = options.lockTimeoutMs ?? 200;
    let appended: AppendedEvent[] = [];
    const applied = await this.retrying(() =>
      this.dataSource.transaction(async (manager) => {
        appended = [];
        const tx = new TransactionScope(manager, this.context);
        // The lock timeout is set by the inbox insert itself (its one-row CTE is read first): a round trip less per batch.
        const inserted: Array<{ source: string; message_id: string }> = await manager.query(
          `WITH lock_timeout AS MATERIALIZED (SELECT set_config('lock_timeout', $5, true))
           INSERT INTO ${ident(this.context)}.inbox (handler, message_id, source, type)
           SELECT $1, m.id, m.source, m.type FROM lock_timeout, unnest($2::text[], $3::text[], $4::text[]) AS m(id, source, type)
           ON CONFLICT DO NOTHING RETURNING source, message_id`,
          [handler, messages.map((m) => m.id), messages.map((m) => m.source), messages.map((m) => m.type), `${lockTimeoutMs}ms`],
        );
        const fresh = new Set(inserted.map((r) => `${r.source}\u0000${r.message_id}`));
        // A message twice in one batch (published twice) is applied once: the first takes it.
        const result = messages.map((message) => fresh.delete(`${message.source}\u0000${message.id}`));
        const applied = messages.filter((_, i) => result[i]);
        if (options.workAll) {
          // The handler takes them all at once (a projection's one read, one upsert).
          if (applied.length > 0) await options.workAll(applied, tx);
          appended.push(...this.appender.toCloudEvents(this.context, tx.drain()));
        } else if (applied.length > 0) {
          await options.prepare?.(applied, tx);
          for (const message of applied) {
            await inMessage(handler, message, position, async (active) => {
              active.setAttribute('eda.inbox.duplicate', false);
              await work(message, tx);
              appended.push(...this.appender.toCloudEvents(this.context, tx.drain()));
            });
          }
          await options.finish?.(tx);
        }
        // From here on a lock is waited for: the position row is held by a lane of the same shard until it commits.
        if (!position) await manager.query(`SELECT set_config('lock_timeout', '0', true)`);
        await this.appender.append(manager, this.context, appended, tx.drainInserts());
        if (position) await this.storePosition(tx, handler, position, { waitForLocks: true });
        return result;
      }),
    );
    this.committed(appended);
    return applied;
  }

  /** Tells the listeners (the events-appended metric, tests) what a unit of work committed. */
  private committed(appended: AppendedEvent[]): void {
    if (appended.length > 0) for (const listener of this.listeners) listener(this.context, appended);
  }

  /** `waitForLocks`: the batch's lock timeout is lifted first, in the same statement (a round trip less). */
  private async storePosition(tx: TransactionScope, handler: string, position: ShardPosition, options: { waitForLocks?: boolean } = {}): Promise<void> {
    const values = options.waitForLocks
      ? `WITH lock_timeout AS MATERIALIZED (SELECT set_config('lock_timeout', '0', true))
         INSERT INTO ${ident(this.context)}.consumer_positions (consumer_group, handler, stream, shard_id, sequence_number)
         SELECT $1, $2, $3, $4, $5::numeric FROM lock_timeout`
      : `INSERT INTO ${ident(this.context)}.consumer_positions (consumer_group, handler, stream, shard_id, sequence_number)
         VALUES ($1, $2, $3, $4, $5::numeric)`;
    await tx.manager.query(
      `${values}
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
      await this.appender.append(manager, this.context, appended, tx.drainInserts());
      return value;
    });
    this.committed(appended);
    return result;
  }
}

/** Runs `work` in the message's context (its events are correlated to and caused by it) and in a CONSUMER span on its trace. */
function inMessage<T>(handler: string, message: CloudEvent, position: ShardPosition | undefined, work: (span: Span) => Promise<T>): Promise<T> {
  const context = {
    correlationId: message.correlationid || message.id,
    causationId: message.id,
    traceparent: childTraceparent(message.traceparent),
  };
  const span = { handler, event: message, stream: position?.stream, shardId: position?.shardId, consumerGroup: position?.consumerGroup };
  return runInMessageContext(context, () => inConsumerSpan(span, work));
}
