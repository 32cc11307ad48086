import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Pool } from 'pg';
import type { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { Clock } from '../context/clock';
import { childTraceparent, currentMessageContext } from '../context/message-context';
import { activeSpanTraceparent } from '../observability/tracing';
import type { Counter } from 'prom-client';
import { MetricsService } from '../observability/metrics.service';
import { CloudEvent, MAX_EVENT_BYTES, publishedRecordBytes } from '../event-log/cloud-event';
import { contentHash } from '../event-log/event-log-appender';
import { ValidationProblem } from '../http/problem-details.filter';
import { EventTooLargeError, isPublishableSizeViolation } from '../event-log/event-log.errors';
import { DuplicateEventConflictError } from './event-bus.errors';
import type { IncomingCloudEvent } from './incoming-cloud-event';
import { EventInsertBatcher, InsertOutcome } from './event-insert-batcher';

/** The logical stream external producers' events are relayed to (`${STREAM_PREFIX}platform-events`). */
export const PLATFORM_EVENTS_STREAM = 'platform-events';

export interface IngestResult {
  id: string;
  /** False when the same source+id with the same content was already in the log (an idempotent replay). */
  created: boolean;
}

/**
 * Batch statements of POST /events in flight at once, and rows per statement: two of the platform pool's
 * connections write while the next batch gathers, and the others stay free for GET /events and the rest.
 */
const INSERT_BATCHES_IN_FLIGHT = 2;
const INSERT_BATCH_ROWS = 256;
/** Envelope text per statement: a burst of large events goes in several statements, not one of hundreds of MB. */
const INSERT_BATCH_CHARACTERS = 4 * 1024 * 1024;

/** PostgreSQL's datetime error codes: only the `time` column's cast can raise them. */
const DATETIME_ERRORS = new Set(['22007', '22008', '22009']);

/**
 * Appends a validated external event to platform.event_log, idempotently per (source, id).
 * The idempotency hash covers the event as the producer sent it, not what the bus adds (request id,
 * trace), so a retried POST of the same body matches. INSERT … ON CONFLICT DO NOTHING settles concurrent
 * duplicates: the loser finds the winner's row and compares hashes.
 *
 * Concurrent POSTs share statements (EventInsertBatcher: group commit, one round trip and one transaction per
 * batch), each with its own answer. The statement first takes a transaction-scoped advisory lock on every
 * (stream, partition key) it writes, before the rows' positions are drawn: POSTs of one key then draw positions
 * in the order they commit, which the polling relay (position order) and the WAL relay (commit order) both
 * publish alike. Writers of a context's aggregate get that from the aggregate's row lock; producers' events
 * have no such row.
 */
@Injectable()
export class EventBusIngress {
  private readonly logger = new Logger('EventBusIngress');
  private appended?: ReturnType<Counter['labels']>;

  /**
   * Concurrent POSTs share statements (group commit); each keeps its own answer. It writes to TypeORM's pg pool
   * for the platform schema directly: TypeORM's query runner adds a wrapper per call and nothing else.
   */
  private readonly batcher: EventInsertBatcher;

  constructor(
    @InjectDataSource('platform') private readonly db: DataSource,
    private readonly clock: Clock,
    private readonly metrics: MetricsService,
  ) {
    const rows = metrics.histogram('eda_ingress_insert_rows', 'Events per INSERT statement of POST /events (group commit)', [], [1, 2, 4, 8, 16, 32, 64, 128, 256]);
    const refused = metrics.counter(
      'eda_ingress_insert_batches_refused_total',
      'Batches of POST /events refused as a whole (one event too large as stored, or a time PostgreSQL refuses): their events were inserted one by one',
    );
    this.batcher = new EventInsertBatcher(() => (this.db.driver as PostgresDriver).master as Pool, {
      maxInFlight: INSERT_BATCHES_IN_FLIGHT,
      maxRows: INSERT_BATCH_ROWS,
      maxCharacters: INSERT_BATCH_CHARACTERS,
      observe: { sent: (n) => rows.observe(n), refused: () => refused.inc() },
    });
  }

  /** The envelope as stored and relayed: the producer's event plus the attributes the bus fills in when missing. */
  envelope(event: IncomingCloudEvent): CloudEvent {
    const context = currentMessageContext();
    return {
      ...event,
      time: event.time ?? this.clock.now().toISOString(),
      datacontenttype: event.datacontenttype ?? 'application/json',
      data: event.data,
      partitionkey: (event.partitionkey as string | undefined) ?? event.subject ?? event.id,
      correlationid: (event.correlationid as string | undefined) ?? context?.correlationId ?? event.id,
      causationid: (event.causationid as string | undefined) ?? event.id,
      traceparent: (event.traceparent as string | undefined) ?? activeSpanTraceparent() ?? context?.traceparent ?? childTraceparent(),
    };
  }

  async ingest(event: IncomingCloudEvent): Promise<IngestResult> {
    const hash = contentHash(event as unknown as CloudEvent);
    const envelope = this.envelope(event);
    const json = JSON.stringify(envelope);
    // A lower bound of the published size (PostgreSQL prints jsonb no shorter): refuses the obvious without a
    // round trip. The exact measure is the table's CHECK on the text the relay will publish.
    const bytes = publishedRecordBytes(Buffer.byteLength(json), envelope.partitionkey);
    if (bytes > MAX_EVENT_BYTES) throw new EventTooLargeError(bytes, MAX_EVENT_BYTES);

    const outcome = await this.insert(envelope, json, hash);
    if (outcome === 'inserted') {
      // Producers choose their types (and, within their keys, their sources): labels stay bounded (docs/contract.md §3).
      this.appended ??= this.metrics.counter('eda_events_appended_total', 'Events committed to the event log', ['source', 'type']).labels({ source: 'platform', type: 'external' });
      this.appended.inc();
      return { id: envelope.id, created: true };
    }
    // The event log is insert-only, so the row that won the conflict is still there.
    const [existing] = await this.db.query(`SELECT content_hash FROM platform.event_log WHERE source = $1 AND id = $2`, [event.source, event.id]);
    if (existing?.content_hash !== hash) throw new DuplicateEventConflictError(event.source, event.id);
    return { id: event.id, created: false };
  }

  private async insert(envelope: CloudEvent, json: string, hash: string): Promise<InsertOutcome> {
    try {
      return await this.batcher.insert({
        id: envelope.id,
        source: envelope.source,
        type: envelope.type,
        subject: envelope.subject ?? null,
        partitionKey: envelope.partitionkey,
        stream: PLATFORM_EVENTS_STREAM,
        time: envelope.time,
        json,
        contentHash: hash,
      });
    } catch (error) {
      if (isPublishableSizeViolation(error)) throw new EventTooLargeError(undefined, MAX_EVENT_BYTES);
      // Validation mirrors what PostgreSQL accepts; should a value still slip through, it is the caller's 400, not
      // our 500 — with a stable message: the driver's text is for the log, not for the producer.
      const code = (error as { driverError?: { code?: string }; code?: string }).driverError?.code ?? (error as { code?: string }).code;
      if (code?.startsWith('22')) {
        this.logger.warn(`event ${JSON.stringify(envelope.id)} of ${JSON.stringify(envelope.source)} refused by PostgreSQL (${code}): ${(error as Error).message}`);
        const field = DATETIME_ERRORS.has(code) ? 'time' : 'body';
        const message = field === 'time' ? 'time cannot be stored (PostgreSQL refuses this value)' : 'the event holds a value PostgreSQL cannot store';
        throw new ValidationProblem({ [field]: [message] }, 'The event is not a valid CloudEvents 1.0 event.');
      }
      throw error;
    }
  }
}
