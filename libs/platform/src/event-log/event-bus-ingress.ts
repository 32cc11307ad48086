import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { Clock } from '../context/clock';
import { childTraceparent, currentMessageContext } from '../context/message-context';
import { activeSpanTraceparent } from '../observability/tracing';
import { MetricsService } from '../observability/metrics.service';
import { CloudEvent, MAX_EVENT_BYTES } from './cloud-event';
import { contentHash } from './event-log-appender';
import { ValidationProblem } from '../http/problem-details.filter';
import { DuplicateEventConflictError, EventTooLargeError } from './event-log.errors';
import type { IncomingCloudEvent } from './incoming-cloud-event';

/** The logical stream external producers' events are relayed to (`${STREAM_PREFIX}platform-events`). */
export const PLATFORM_EVENTS_STREAM = 'platform-events';

export interface IngestResult {
  id: string;
  /** False when the same source+id with the same content was already in the log (an idempotent replay). */
  created: boolean;
}

/**
 * Appends a validated external event to platform.event_log, idempotently per (source, id).
 * The idempotency hash covers the event as the producer sent it, not what the bus adds (request id,
 * trace), so a retried POST of the same body matches. One INSERT … ON CONFLICT DO NOTHING statement
 * (its own transaction) settles concurrent duplicates: the loser finds the winner's row and compares hashes.
 */
@Injectable()
export class EventBusIngress {
  constructor(
    @InjectDataSource('platform') private readonly db: DataSource,
    private readonly clock: Clock,
    private readonly metrics: MetricsService,
  ) {}

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
    const bytes = Buffer.byteLength(json);
    if (bytes > MAX_EVENT_BYTES) throw new EventTooLargeError(bytes, MAX_EVENT_BYTES);

    const inserted: unknown[] = await this.insert(envelope, json, hash);
    if (inserted.length > 0) {
      this.metrics.counter('eda_events_appended_total', 'Events committed to the event log', ['source', 'type']).inc({ source: envelope.source, type: envelope.type });
      return { id: envelope.id, created: true };
    }
    // The event log is insert-only, so the row that won the conflict is still there.
    const [existing] = await this.db.query(`SELECT content_hash FROM platform.event_log WHERE source = $1 AND id = $2`, [event.source, event.id]);
    if (existing?.content_hash !== hash) throw new DuplicateEventConflictError(event.source, event.id);
    return { id: event.id, created: false };
  }

  private async insert(envelope: CloudEvent, json: string, hash: string): Promise<unknown[]> {
    try {
      return await this.db.query(
        `INSERT INTO platform.event_log (id, source, type, subject, partition_key, stream, time, envelope, content_hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7::timestamptz, $8::jsonb, $9)
         ON CONFLICT (source, id) DO NOTHING
         RETURNING position`,
        [envelope.id, envelope.source, envelope.type, envelope.subject ?? null, envelope.partitionkey, PLATFORM_EVENTS_STREAM, envelope.time, json, hash],
      );
    } catch (error) {
      // Validation mirrors what PostgreSQL accepts; should a value still slip through, it is the caller's 400, not our 500.
      const code = (error as { driverError?: { code?: string }; code?: string }).driverError?.code ?? (error as { code?: string }).code;
      if (code?.startsWith('22')) throw new ValidationProblem({ body: [`a value cannot be stored: ${(error as Error).message}`] }, 'The event is not a valid CloudEvents 1.0 event.');
      throw error;
    }
  }
}
