import type { Pool } from 'pg';
import type { OrderedPublisher } from './ordered-publisher';
import type { PublishedMarker } from './published-marker';
import type { RelayRecord } from './relay-record';
import { Pause } from '../kinesis/backoff';
import { PgListener } from '../wakeups/pg-listener';
import { ident } from '../sql/ident';
import { owedToKinesis } from './relay-status';

/** Channel an event-log insert notifies when the database cannot replicate logically (the polling relay's wake). */
export const EVENT_LOG_APPENDED_CHANNEL = 'eda_event_log_appended';

export interface PollingOptions {
  batchSize?: number;
  idleMs?: number;
  /** Listen for commits (EVENT_LOG_APPENDED_CHANNEL) on this connection and poll at once instead of at the tick. */
  listen?: { connectionString: string; log?: (line: string) => void };
}

/**
 * The fallback reader (no logical replication). It keeps no cursor: every pass reads the rows still
 * unpublished (listed in `event_log_unpublished`), ordered by position, publishes them and marks them published
 * before the next pass. A row whose transaction commits after later positions were read is simply
 * found by the next pass, so nothing can be skipped (docs/architecture.md §3.2). Per key, position order is commit order:
 * two transactions writing one aggregate serialise on its row, so the later committer inserts later.
 * See docs/adr/0003-relay-wal-and-polling.md for why this is preferred to a (tx_id, position) cursor. Rows in
 * platform.relay_parked are never read again: the relay re-sends them from there when an operator asks.
 * Where the database cannot replicate logically, every event-log insert NOTIFYs at commit and the source
 * passes at once; the tick remains for notifications lost while the listening connection was down.
 */
/** Rows a catch-up pass remembers having published, at most (about 100 bytes each). */
const MAX_REMEMBERED_PUSHES = 500_000;

export class PollingSource {
  private stopped = false;
  private readonly pause = new Pause();
  /** A commit was notified since the last pass began: pass again without idling. */
  private notified = false;
  private listener?: PgListener;

  constructor(
    private readonly pool: Pool,
    private readonly schemas: string[],
    private readonly publisher: OrderedPublisher,
    private readonly marker: PublishedMarker,
    private readonly options: PollingOptions = {},
  ) {}

  /** Reads until stopped. */
  async run(): Promise<void> {
    if (this.options.listen) {
      this.listener = new PgListener({
        connectionString: this.options.listen.connectionString,
        channels: [EVENT_LOG_APPENDED_CHANNEL],
        onNotification: () => this.commitNotified(),
        // Whatever committed while the channel was down is found by the next pass.
        onConnected: () => this.commitNotified(),
        log: this.options.listen.log,
        applicationName: 'eda:relay-listen',
      });
      await this.listener.start();
    }
    try {
      while (!this.stopped) {
        this.notified = false;
        const found = await this.pass();
        if (found === 0 && !this.stopped && !this.notified) await this.idle();
      }
    } finally {
      await this.listener?.stop();
    }
  }

  private commitNotified(): void {
    this.notified = true;
    this.pause.interrupt();
  }

  /**
   * One pass over every schema, published and stamped before it returns. With `upTo`, only rows up to
   * those positions (the WAL reader's catch-up of rows written before its slot existed); `pushed` collects
   * what it sent, so the WAL reader can leave out what its slot delivers again.
   */
  async pass(upTo?: Map<string, string>, pushed?: Set<string>): Promise<number> {
    const limit = this.options.batchSize ?? 2_000;
    let found = 0;
    for (const schema of this.schemas) {
      const bound = upTo?.get(schema);
      if (upTo && bound === undefined) continue;
      const { rows } = await this.pool.query<RelayRecord>(
        // `e.position`, not the text alias, or rows would be sent in text order ('105' before '21').
        `SELECT $1::text AS schema, e.position::text AS position, stream, partition_key AS "partitionKey", envelope::text AS data
           FROM ${ident(schema)}.event_log e
          WHERE e.position IN (SELECT u.position FROM ${owedToKinesis(schema)} ${bound ? 'AND u.position <= $3' : ''} ORDER BY u.position LIMIT $2)
          ORDER BY e.position`,
        bound ? [schema, limit, bound] : [schema, limit],
      );
      if (this.stopped) return found;
      await this.publisher.pushAll(rows);
      // A pass cut short by a stop is followed by no WAL reader, which alone reads `pushed`. Bounded: past it (a
      // catch-up after a long outage) a row may go out twice, which consumers absorb.
      if (pushed) for (const row of rows) if (pushed.size < MAX_REMEMBERED_PUSHES) pushed.add(`${row.schema}\u0000${row.position}`);
      found += rows.length;
    }
    await this.publisher.drain();
    await this.marker.flush();
    return found;
  }

  /** The highest position of every schema now: what a catch-up pass must cover. */
  async currentPositions(): Promise<Map<string, string>> {
    const positions = new Map<string, string>();
    for (const schema of this.schemas) {
      const { rows } = await this.pool.query(`SELECT max(position)::text AS max FROM ${ident(schema)}.event_log`);
      if (rows[0].max) positions.set(schema, rows[0].max);
    }
    return positions;
  }

  stop(): void {
    this.stopped = true;
    this.pause.interrupt();
  }

  private idle(): Promise<void> {
    return this.pause.wait(this.options.idleMs ?? 200);
  }
}
