import { hash } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { Clock, IdGenerator } from '../context/clock';
import { currentMessageContext, newMessageContext, traceparentForEvents } from '../context/message-context';
import { ident } from '../sql/ident';
import { asOneStatement, SqlStatement } from '../sql/sql-statement';
import { CloudEvent, MAX_EVENT_BYTES, publishedRecordBytes } from './cloud-event';
import { EventTooLargeError, isPublishableSizeViolation } from './event-log.errors';
import type { OutgoingMessage } from './outgoing-message';

export interface AppendedEvent {
  event: CloudEvent;
  contentHash: string;
  stream: string;
}

/** Stable hash of an event's meaning, used to tell a replayed POST from a conflicting one. One-shot: no Hash object per event. */
export function contentHash(event: CloudEvent): string {
  return hash('sha256', canonicalJson(event), 'hex');
}

/**
 * JSON with every object's keys sorted (by UTF-16 code units) and undefined members left out; arrays keep
 * their order. Stored hashes depend on this exact text: it must never change. Loops, not entries/map/join:
 * POST /events hashes every event it takes.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ',';
      // As Array.prototype.join writes an undefined item: nothing.
      out += canonicalJson(value[i]) ?? '';
    }
    return `${out}]`;
  }
  const object = value as Record<string, unknown>;
  const keys = Object.keys(object).sort();
  let out = '{';
  let first = true;
  for (const key of keys) {
    const member = object[key];
    if (member === undefined) continue;
    if (!first) out += ',';
    first = false;
    out += `${JSON.stringify(key)}:${canonicalJson(member)}`;
  }
  return `${out}}`;
}

/**
 * Turns outgoing messages into CloudEvents and inserts them into the event log of `schema`, inside the
 * caller's transaction (the context's unit of work). An event that cannot be published as one Kinesis record
 * is refused with EventTooLargeError and the caller's transaction rolls back: JSON.stringify's length is a
 * lower bound of the published size and refuses the obvious cases without a round trip; the table's
 * CHECK measures the envelope exactly as the relay will publish it (PostgreSQL's jsonb text).
 */
export class EventLogAppender {
  constructor(private readonly clock: Clock, private readonly ids: IdGenerator) {}

  toCloudEvents(source: string, messages: OutgoingMessage[]): AppendedEvent[] {
    const context = currentMessageContext() ?? newMessageContext(this.ids.next());
    const time = this.clock.now().toISOString();
    const traceparent = traceparentForEvents(context);
    return messages.map((message) => {
      const event: CloudEvent = {
        specversion: '1.0',
        id: this.ids.next(),
        source,
        type: message.type,
        subject: message.subject,
        time,
        datacontenttype: 'application/json',
        data: message.data,
        partitionkey: message.partitionKey,
        correlationid: context.correlationId,
        causationid: context.causationId,
        traceparent,
      };
      return { event, contentHash: contentHash(event), stream: message.stream };
    });
  }

  /**
   * Inserts the events' rows and, in the same statement, the rows of `alongside` (new rows of the caller's
   * transaction, TransactionScope.insertWithEvents): one round trip for everything the transaction adds.
   */
  async append(manager: EntityManager, schema: string, events: AppendedEvent[], alongside: readonly SqlStatement[] = []): Promise<void> {
    await this.write(manager, this.statementsOf(schema, events, alongside));
  }

  /** What `append` sends, before it is sent: the rows of `alongside`, then the events' rows (none when there is nothing). */
  statementsOf(schema: string, events: AppendedEvent[], alongside: readonly SqlStatement[] = []): readonly SqlStatement[] {
    return events.length === 0 ? alongside : [...alongside, this.insertOf(schema, events)];
  }

  /** Sends `statements` as one; an event the table finds too large to publish is an EventTooLargeError. */
  async write(manager: EntityManager, statements: readonly SqlStatement[]): Promise<void> {
    if (statements.length === 0) return;
    const { sql, params } = asOneStatement(statements);
    try {
      await manager.query(sql, params as unknown[]);
    } catch (error) {
      if (isPublishableSizeViolation(error)) throw new EventTooLargeError(undefined, MAX_EVENT_BYTES);
      throw error;
    }
  }

  /** The INSERT of the events' rows; refuses, before any round trip, an event whose JSON alone is too large to publish. */
  private insertOf(schema: string, events: AppendedEvent[]): SqlStatement {
    const params: unknown[] = [];
    const values: string[] = [];
    for (const { event, contentHash: hash, stream } of events) {
      const json = JSON.stringify(event);
      const bytes = publishedRecordBytes(Buffer.byteLength(json), event.partitionkey);
      if (bytes > MAX_EVENT_BYTES) throw new EventTooLargeError(bytes, MAX_EVENT_BYTES);
      const n = params.length;
      values.push(`($${n + 1}, $${n + 2}, $${n + 3}, $${n + 4}, $${n + 5}, $${n + 6}, $${n + 7}, $${n + 8}::jsonb, $${n + 9})`);
      params.push(event.id, event.source, event.type, event.subject ?? null, event.partitionkey, stream, event.time, json, hash);
    }
    return {
      sql: `INSERT INTO ${ident(schema)}.event_log (id, source, type, subject, partition_key, stream, time, envelope, content_hash)
         VALUES ${values.join(', ')}`,
      params,
    };
  }
}
