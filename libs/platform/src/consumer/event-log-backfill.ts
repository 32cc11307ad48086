import { Logger } from '@nestjs/common';
import type { Pool } from 'pg';
import type { CloudEvent } from '../event-log/cloud-event';
import type { LeaseStore } from './lease-store';
import type { RegisteredHandler } from './message-handler';

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * Starts a new consumer group (or a rebuilt projection) from the SQL event log instead of the stream
 * (ADR 0004): replays the log rows of the subscribed types through the same handlers and inboxes, then the
 * group reads the stream from TRIM_HORIZON. Whatever both deliver is applied once (the inbox); whatever the
 * stream no longer retains came from the log. The replay reads one REPEATABLE READ snapshot, so if it holds
 * a key's event it holds every earlier event of that key: the stream can only add later ones.
 */
export class EventLogBackfill {
  private readonly logger = new Logger('EventLogBackfill');

  constructor(
    private readonly pool: Pool,
    private readonly leases: LeaseStore,
    private readonly schemas: string[],
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
        const applied = await this.replay(stream, handlers);
        this.logger.log(`Backfilled ${stream} for group ${this.leases.consumerGroup} from the event log: ${applied} deliveries applied`);
      } finally {
        await lock.query(`SELECT pg_advisory_unlock(hashtext($1))`, [`backfill:${this.leases.consumerGroup}:${stream}`]).catch(() => undefined);
        lock.release();
      }
    }
  }

  /** Replays `stream`'s rows from every context's log, in log order per context; returns the deliveries applied. */
  async replay(stream: string, handlers: RegisteredHandler[]): Promise<number> {
    const subscribed = handlers.filter((h) => h.subscriptions.has(stream));
    const types = [...new Set(subscribed.flatMap((h) => [...h.subscriptions.get(stream)!]))];
    let applied = 0;
    const reader = await this.pool.connect();
    try {
      await reader.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      // A key's events all come from one context's log (its aggregate's, or the saga's for commands).
      for (const schema of this.schemas) {
        let after = 0;
        for (;;) {
          const { rows } = await reader.query<{ position: string; envelope: CloudEvent }>(
            `SELECT position, envelope FROM ${ident(schema)}.event_log
              WHERE stream = $1 AND type = ANY($2) AND position > $3 ORDER BY position LIMIT $4`,
            [stream, types, after, this.batchSize],
          );
          for (const { envelope } of rows) {
            for (const handler of subscribed) {
              if (!handler.subscriptions.get(stream)!.has(envelope.type)) continue;
              if (await handler.unitOfWork.runOnce(handler.name, envelope, (tx) => handler.handle(envelope, tx))) applied++;
            }
          }
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
    return applied;
  }
}
