import type { Pool } from 'pg';
import type { OrderedPublisher } from './ordered-publisher';
import type { PublishedMarker } from './published-marker';
import type { RelayRecord, SourceCheckpoint } from './relay-record';
import { Pause } from '../kinesis/backoff';
import { PgListener } from '../wakeups/pg-listener';
import { ident } from '../database/ident';

/** Channel an event-log insert notifies when the database cannot replicate logically (the polling relay's wake). */
export const EVENT_LOG_APPENDED_CHANNEL = 'eda_event_log_appended';
/** Checkpoints the polling source pushes after each read: `poll:<read number>`. */
const POLL_CHECKPOINT = 'poll:';
/** The first wait after a read that found rows. */
const QUICK_LOOK_MS = 10;

export interface PollingOptions {
  batchSize?: number;
  idleMs?: number;
  log?: (line: string) => void;
  /** Listen for commits (EVENT_LOG_APPENDED_CHANNEL) on this connection and poll at once instead of at the tick. */
  listen?: { connectionString: string; log?: (line: string) => void };
}

/**
 * The fallback reader (no logical replication). It keeps no cursor: every read takes the rows still
 * unpublished (`published_at IS NULL`, a partial index), ordered by position, and publishes them; they are
 * stamped once Kinesis confirmed them. A row whose transaction commits after later positions were read is
 * simply found by the next read, so nothing can be skipped (docs/architecture.md §3.2). Per key, position order
 * is commit order: two transactions writing one aggregate serialise on its row, so the later committer inserts
 * later. See docs/adr/0003-relay-wal-and-polling.md for why this is preferred to a (tx_id, position) cursor.
 * Rows in platform.relay_parked are never read again: the relay re-sends them from there when an operator asks.
 * Where the database cannot replicate logically, every event-log insert NOTIFYs at commit and the source
 * reads at once; the tick remains for notifications lost while the listening connection was down.
 *
 * Reads are pipelined (docs/adr/0018-relay-pipelining.md): the next read does not wait for the previous one's
 * records to be confirmed and stamped. It leaves out the rows this source already holds (pushed, not yet known
 * stamped or parked) instead, so a row is pushed once and a key's rows still go in position order: a row
 * committed late is found by the next read, before any later row of its key, which commits after it.
 */
export class PollingSource {
  private stopped = false;
  private readonly pause = new Pause();
  /** A commit was notified since the last read began: read again without idling. */
  private notified = false;
  private listener?: PgListener;
  /** Rows pushed by run() and not yet known stamped or parked, by the read that found them (checkpoint order). */
  private readonly held: Array<{ read: number; rows: Array<{ schema: string; position: string }> }> = [];
  private reads = 0;
  /** The last read whose every row Kinesis confirmed or the parking table holds. */
  private reachedRead = 0;
  private flushing: Promise<void> = Promise.resolve();
  private flushQueued = false;

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
        // Whatever committed while the channel was down is found by the next read.
        onConnected: () => this.commitNotified(),
        log: this.options.listen.log,
        applicationName: 'eda:relay-listen',
      });
      await this.listener.start();
    }
    let emptyReads = 0;
    try {
      while (!this.stopped) {
        this.notified = false;
        // A stamp that failed is tried again here.
        if (this.marker.size > 0) this.flushSoon();
        const found = await this.read(undefined, true);
        emptyReads = found > 0 ? 0 : emptyReads + 1;
        if (found === 0 && !this.stopped && !this.notified) await this.idle(emptyReads);
      }
    } finally {
      await this.listener?.stop();
      await this.flushing;
    }
  }

  /** Told by the publisher's progress listener: every row of reads up to `checkpoint` is confirmed or parked. */
  reached(checkpoint: SourceCheckpoint): void {
    const read = Number(checkpoint.slice(POLL_CHECKPOINT.length));
    if (!checkpoint.startsWith(POLL_CHECKPOINT) || !(read > this.reachedRead)) return;
    this.reachedRead = read;
    this.flushSoon();
  }

  private commitNotified(): void {
    this.notified = true;
    this.pause.interrupt();
  }

  /**
   * One pass over every schema, published and stamped before it returns. With `upTo`, only rows up to
   * those positions (the WAL reader's catch-up of rows written before its slot existed).
   */
  async pass(upTo?: Map<string, string>): Promise<number> {
    const found = await this.read(upTo, false);
    await this.publisher.drain();
    await this.marker.flush();
    return found;
  }

  /**
   * Reads every schema's unpublished rows (but those held) and pushes them. `pipelined`: the rows are held
   * and a checkpoint follows them, so they are stamped and let go once confirmed, while later reads go on.
   */
  private async read(upTo: Map<string, string> | undefined, pipelined: boolean): Promise<number> {
    const limit = this.options.batchSize ?? 2_000;
    const read = pipelined ? ++this.reads : 0;
    const rows: Array<{ schema: string; position: string }> = [];
    let found = 0;
    for (const schema of this.schemas) {
      const bound = upTo?.get(schema);
      if (upTo && bound === undefined) continue;
      const held = pipelined ? this.heldPositions(schema) : [];
      const params: unknown[] = [schema, limit];
      if (bound) params.push(bound);
      if (held.length > 0) params.push(held);
      // Held rows are left out through a hashed anti-join: a list of thousands compared row by row would not scale.
      const { rows: batch } = await this.pool.query<RelayRecord>(
        `SELECT $1::text AS schema, position::text AS position, stream, partition_key AS "partitionKey", envelope::text AS data
           FROM ${ident(schema)}.event_log e
          WHERE published_at IS NULL ${bound ? 'AND position <= $3' : ''}
            ${held.length > 0 ? `AND position NOT IN (SELECT unnest($${params.length}::bigint[]))` : ''}
            AND NOT EXISTS (SELECT 1 FROM platform.relay_parked p WHERE p.source_schema = $1 AND p.position = e.position)
          ORDER BY e.position LIMIT $2`,
        params,
      );
      for (const row of batch) {
        if (this.stopped) break;
        await this.publisher.push(row);
        rows.push({ schema, position: row.position });
      }
      found += batch.length;
      if (this.stopped) break;
    }
    if (pipelined && rows.length > 0) {
      this.held.push({ read, rows });
      this.publisher.checkpoint(`${POLL_CHECKPOINT}${read}`);
    }
    return found;
  }

  private heldPositions(schema: string): string[] {
    const positions: string[] = [];
    for (const { rows } of this.held) for (const row of rows) if (row.schema === schema) positions.push(row.position);
    return positions;
  }

  /**
   * Stamps what Kinesis confirmed, then lets go of the reads it completed (stamped, or parked: either way the
   * next read's WHERE leaves them out). One flush runs at a time and one at most waits behind it.
   */
  private flushSoon(): void {
    if (this.flushQueued) return;
    this.flushQueued = true;
    this.flushing = this.flushing.then(async () => {
      this.flushQueued = false;
      const reached = this.reachedRead;
      try {
        await this.marker.flush();
      } catch (error) {
        this.options.log?.(`stamping published_at failed: ${(error as Error).message}`);
        return;
      }
      while (this.held.length > 0 && this.held[0].read <= reached) this.held.shift();
    });
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

  /**
   * Commits come in runs: after a read that found rows the source looks again soon (10 ms, doubling with each
   * empty read) and falls back to the tick only once the log is quiet. Where no commit is notified (RELAY_MODE=
   * polling forced on a database that replicates), this is what keeps a burst from waiting a tick per read.
   */
  private idle(emptyReads: number): Promise<void> {
    const tick = this.options.idleMs ?? 200;
    return this.pause.wait(Math.min(tick, QUICK_LOOK_MS * 2 ** Math.min(emptyReads - 1, 10)));
  }
}
