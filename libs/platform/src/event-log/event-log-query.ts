import type { DataSource } from 'typeorm';
import { ValidationProblem } from '../http/problem-details.filter';
import type { CloudEvent } from './cloud-event';
import { ident, literal } from '../sql/ident';

export interface EventLogFilter {
  type?: string;
  source?: string;
  subject?: string;
  /** RFC 3339; compared with the event's `time` (exclusive). */
  after?: string;
  /** RFC 3339; compared with the event's `time` (exclusive). */
  before?: string;
  limit: number;
  cursor?: string;
}

export interface EventLogPage {
  items: CloudEvent[];
  /** Opaque; null when this page reached the end of the log. */
  nextCursor: string | null;
}

/**
 * Keyset of the merged log: (transaction id, schema, position). Pages hold only rows of transactions below the
 * reading snapshot's horizon (HORIZON_SQL) — every transaction with a smaller id has ended — so no row can ever appear behind a
 * cursor, however late its transaction commits (rows become visible in commit order, not in id order).
 */
interface Cursor {
  tx: string;
  schema: string;
  position: string;
}

/**
 * The reading snapshot's horizon in this database: the oldest transaction of the snapshot's running ones that is
 * not known to run in another database, else the snapshot's xmax. Every transaction below it has ended and its
 * rows are visible to the snapshot. Transaction ids are the server's, but only this database's transactions write
 * its event logs: one left open in another database must not hold this log back (pg_snapshot_xmin would). A
 * running transaction whose database is not known (it ended meanwhile, or pg_stat_activity does not show it) counts.
 */
const HORIZON_SQL = `(SELECT coalesce(min(running), pg_snapshot_xmax(pg_current_snapshot()))
  FROM pg_snapshot_xip(pg_current_snapshot()) AS running
  WHERE NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.backend_xid = xid(running) AND a.datname <> current_database()))`;

const SCHEMA_NAME = /^[a-z_][a-z0-9_]*$/;
const XID8 = /^\d{1,20}$/;
const POSITION = /^[1-9]\d{0,18}$/;
/** How long a read waits for transactions that were running when it began (see settle). */
const SETTLE_WAIT_MS = 1_000;
const SETTLE_PROBE_MS = 10;

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.tx, cursor.schema, cursor.position])).toString('base64url');
}

export function decodeCursor(text: string): Cursor | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (!Array.isArray(value) || value.length !== 3) return undefined;
    const [tx, schema, position] = value;
    if (typeof tx !== 'string' || !XID8.test(tx) || BigInt(tx) > 2n ** 64n - 1n) return undefined;
    if (typeof schema !== 'string' || !SCHEMA_NAME.test(schema)) return undefined;
    if (typeof position !== 'string' || !POSITION.test(position) || BigInt(position) > 2n ** 63n - 1n) return undefined;
    return { tx, schema, position };
  } catch {
    return undefined;
  }
}

/**
 * Reads the event log as one: the union of every schema's event_log (the platform's and each context's),
 * which the platform role may read. Oldest transaction first; a page never holds a row of a transaction
 * that some still-running older transaction could be followed by (see Cursor). EventLogModule builds it over the
 * platform's connection and the schemas of the runtime.
 */
export class EventLogQuery {
  private readonly schemas: string[];

  constructor(private readonly db: DataSource, schemas: readonly string[]) {
    // Code-unit order, which matches the SQL's COLLATE "C" on the same lower-case ASCII names.
    this.schemas = [...new Set(schemas)].filter((s) => SCHEMA_NAME.test(s)).sort();
  }

  async list(filter: EventLogFilter): Promise<EventLogPage> {
    const cursor = filter.cursor === undefined ? undefined : decodeCursor(filter.cursor);
    if (filter.cursor !== undefined && !cursor) throw new ValidationProblem({ cursor: ['cursor must be a nextCursor this API returned'] });
    await this.settle();

    const params: unknown[] = [];
    const param = (value: unknown, cast = '') => `$${params.push(value)}${cast}`;
    const common: string[] = ['tx_id < (SELECT xid FROM horizon)'];
    if (filter.type !== undefined) common.push(`type = ${param(filter.type)}`);
    if (filter.source !== undefined) common.push(`source = ${param(filter.source)}`);
    if (filter.subject !== undefined) common.push(`subject = ${param(filter.subject)}`);
    if (filter.after !== undefined) common.push(`time > ${param(filter.after, '::timestamptz')}`);
    if (filter.before !== undefined) common.push(`time < ${param(filter.before, '::timestamptz')}`);
    const tx = cursor ? param(cursor.tx, '::xid8') : '';
    const position = cursor ? param(cursor.position, '::bigint') : '';
    const limit = param(filter.limit + 1, '::int');

    const branches = this.schemas.map((schema) => {
      const where = [...common];
      if (cursor) {
        // Rows of a schema that sorts before the cursor's were all returned up to its transaction inclusive, and so on.
        if (schema < cursor.schema) where.push(`tx_id > ${tx}`);
        else if (schema > cursor.schema) where.push(`tx_id >= ${tx}`);
        else where.push(`(tx_id, position) > (${tx}, ${position})`);
      }
      return `(SELECT ${literal(schema)}::text AS schema_name, tx_id, position, envelope FROM ${ident(schema)}.event_log
               WHERE ${where.join(' AND ')} ORDER BY tx_id, position LIMIT ${limit})`;
    });
    const rows: Array<{ schema_name: string; tx: string; position: string; envelope: CloudEvent }> = await this.db.query(
      `WITH horizon AS MATERIALIZED (SELECT ${HORIZON_SQL} AS xid)
       SELECT schema_name, tx_id::text AS tx, position::text AS position, envelope
       FROM (${branches.join(' UNION ALL ')}) merged
       ORDER BY merged.tx_id, merged.schema_name COLLATE "C", merged.position
       LIMIT ${limit}`,
      params,
    );
    const more = rows.length > filter.limit;
    const page = more ? rows.slice(0, filter.limit) : rows;
    const last = page[page.length - 1];
    return {
      items: page.map((r) => r.envelope),
      nextCursor: more && last ? encodeCursor({ tx: last.tx, schema: last.schema_name, position: last.position }) : null,
    };
  }

  /**
   * Waits (up to SETTLE_WAIT_MS) until every transaction of this database running when the read began has ended, so that an
   * event committed before the request is on the page even if an older transaction was still open then
   * (read-your-writes for a producer that POSTs, then GETs). A transaction open longer only delays its
   * successors' rows until it ends; they are never skipped.
   */
  private async settle(): Promise<void> {
    const [{ horizon, xmax }] = await this.db.query(`SELECT ${HORIZON_SQL}::text AS horizon, pg_snapshot_xmax(pg_current_snapshot())::text AS xmax`);
    if (horizon === xmax) return;
    const deadline = Date.now() + SETTLE_WAIT_MS;
    while (Date.now() < deadline) {
      await new Promise((resolveProbe) => setTimeout(resolveProbe, SETTLE_PROBE_MS));
      const [{ settled }] = await this.db.query(`SELECT ${HORIZON_SQL} >= $1::xid8 AS settled`, [xmax]);
      if (settled) return;
    }
  }

  /**
   * The events and commands of a process, oldest first: those whose subject is `subject` (a saga's id is its
   * aggregate's) and every other event of the same correlation ids, across every schema's log.
   */
  async byCorrelationOf(subject: string, limit: number): Promise<Array<{ schema: string; recordedAt: string; event: CloudEvent }>> {
    const correlations = this.schemas
      .map((schema) => `SELECT envelope->>'correlationid' AS c FROM ${ident(schema)}.event_log WHERE subject = $1`)
      .join(' UNION ');
    const branches = this.schemas.map(
      (schema) => `(SELECT ${literal(schema)}::text AS schema_name, position, recorded_at, envelope FROM ${ident(schema)}.event_log
                     WHERE subject = $1 OR envelope->>'correlationid' IN (SELECT c FROM correlations))`,
    );
    const rows: Array<{ schema_name: string; recorded_at: Date; envelope: CloudEvent }> = await this.db.query(
      `WITH correlations AS (${correlations})
       SELECT schema_name, recorded_at, envelope FROM (${branches.join(' UNION ALL ')}) merged
       ORDER BY recorded_at, schema_name COLLATE "C", position LIMIT $2`,
      [subject, limit],
    );
    return rows.map((r) => ({ schema: r.schema_name, recordedAt: r.recorded_at.toISOString(), event: r.envelope }));
  }

  /** The event with CloudEvent id `id` (of `source` when given); the earliest recorded when several sources share the id. */
  async get(id: string, source?: string): Promise<CloudEvent | undefined> {
    const params: unknown[] = [id];
    if (source !== undefined) params.push(source);
    const where = source !== undefined ? 'id = $1 AND source = $2' : 'id = $1';
    const branches = this.schemas.map(
      (schema) => `(SELECT ${literal(schema)}::text AS schema_name, position, recorded_at, envelope FROM ${ident(schema)}.event_log WHERE ${where})`,
    );
    const rows: Array<{ envelope: CloudEvent }> = await this.db.query(
      `SELECT envelope FROM (${branches.join(' UNION ALL ')}) merged ORDER BY recorded_at, schema_name COLLATE "C", position LIMIT 1`,
      params,
    );
    return rows[0]?.envelope;
  }
}
