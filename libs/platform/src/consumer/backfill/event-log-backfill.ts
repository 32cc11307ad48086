import { Logger } from '@nestjs/common';
import type { Pool } from 'pg';
import type { CloudEvent } from '../../event-log/cloud-event';
import type { ConsumerMetrics } from '../consumer-metrics';
import type { ConsumerOptions } from '../consumer-options';
import { DeadLetterStore, eventLogShard } from '../dead-letters/dead-letter-store';
import type { LeaseStore } from '../leases/lease-store';
import { MessageDispatcher } from '../dispatch/message-dispatcher';
import type { RegisteredHandler } from '../handlers/message-handler';
import type { DecodedMessage } from '../dispatch/record-decoder';
import { ident } from '../../sql/ident';

export interface EventLogBackfillDeps {
  deadLetters: DeadLetterStore;
  metrics: ConsumerMetrics;
  options: ConsumerOptions;
}


/**
 * Starts a new consumer group (or a rebuilt projection) from the SQL event log instead of the stream
 * (ADR 0004): replays the log rows of the subscribed types through the same handlers and inboxes, then the
 * group reads the stream from TRIM_HORIZON. Whatever both deliver is applied once (the inbox); whatever the
 * stream no longer retains came from the log. The replay reads one REPEATABLE READ snapshot, so if it holds
 * a key's event it holds every earlier event of that key: the stream can only add later ones.
 *
 * Deliveries follow the stream's rules (ADR 0010): keys in parallel, each key in log order, retries with
 * backoff, then the message is parked with its key's followers for that handler, and the other keys go on.
 */
export class EventLogBackfill {
  private readonly logger = new Logger('EventLogBackfill');

  constructor(
    private readonly pool: Pool,
    private readonly leases: LeaseStore,
    private readonly schemas: string[],
    private readonly deps: EventLogBackfillDeps,
    private readonly batchSize = 500,
  ) {}

  /** Replays each subscribed stream the group has no lease on yet; several workers wait for the first one. */
  async runForNewGroup(handlers: RegisteredHandler[]): Promise<void> {
    const streams = [...new Set(handlers.flatMap((h) => [...h.subscriptions.keys()]))];
    for (const stream of streams) {
      if ((await this.leases.list(stream)).length > 0) continue;
      const lock = await this.pool.connect();
      try {
        await lock.query(`SELECT pg_advisory_lock(hashtext($1))`, [`backfill:${this.leases.consumerGroup}:${stream}`]);
        if ((await this.leases.list(stream)).length > 0) continue;
        const replayed = await this.replay(stream, handlers);
        this.logger.log(`Backfilled ${stream} for group ${this.leases.consumerGroup} from the event log: ${replayed} messages replayed`);
      } finally {
        await lock.query(`SELECT pg_advisory_unlock(hashtext($1))`, [`backfill:${this.leases.consumerGroup}:${stream}`]).catch(() => undefined);
        lock.release();
      }
    }
  }

  /** Replays `stream`'s rows from every context's log, in log order per key; returns the messages replayed. */
  async replay(stream: string, handlers: RegisteredHandler[]): Promise<number> {
    const subscribed = handlers.filter((h) => h.subscriptions.has(stream));
    const types = [...new Set(subscribed.flatMap((h) => [...h.subscriptions.get(stream)!]))];
    const dispatcher = new MessageDispatcher(subscribed, this.deps.deadLetters, this.deps.metrics, this.deps.options);
    // Keys parked by an earlier, interrupted replay stay parked; the dispatcher adds the ones it parks.
    const parked = await this.deps.deadLetters.parkedKeys(stream);
    let replayed = 0;
    const reader = await this.pool.connect();
    try {
      await reader.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      // A key's events all come from one context's log (its aggregate's, or the saga's for commands).
      for (const schema of this.schemas) {
        let after = 0;
        for (;;) {
          const { rows } = await reader.query<{ position: string; partition_key: string; envelope: CloudEvent }>(
            `SELECT position, partition_key, envelope FROM ${ident(schema)}.event_log
              WHERE stream = $1 AND type = ANY($2) AND position > $3 ORDER BY position LIMIT $4`,
            [stream, types, after, this.batchSize],
          );
          const messages: DecodedMessage[] = rows.map((r, i) => ({
            sequenceNumber: String(r.position),
            subSequence: 0,
            partitionKey: r.partition_key,
            recordIndex: i,
            event: r.envelope,
          }));
          // No lease and never stopping: every message ends applied or parked (a failure to park throws).
          await dispatcher.dispatch({ stream, physicalStream: stream, shardId: eventLogShard(schema), parked, isStopping: () => false }, messages);
          replayed += rows.length;
          if (rows.length < this.batchSize) break;
          after = Number(rows[rows.length - 1].position);
        }
      }
      await reader.query('COMMIT');
    } catch (error) {
      await reader.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      reader.release();
    }
    return replayed;
  }
}
