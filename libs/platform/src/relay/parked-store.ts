import type { Parking, ParkedStatus, ReleasedRecord } from './relay-record';
import { ident } from '../sql/ident';
import { KEY_PARKED } from './ordered-publisher';

export type { Parking, ParkedStatus, ReleasedRecord } from './relay-record';

/** A pg Pool or a TypeORM DataSource: both run parameterised SQL (rows come back bare or in `rows`). */
interface SqlRunner {
  query(sql: string, params?: unknown[]): Promise<unknown>;
}

async function rowsOf<T>(db: SqlRunner, sql: string, params?: unknown[]): Promise<T[]> {
  const result = await db.query(sql, params);
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
}

/** A row of platform.relay_parked as operations see it. */
export interface ParkedRecord {
  id: string;
  stream: string;
  sourceSchema: string;
  position: string;
  eventId: string | null;
  partitionKey: string;
  errorCode: string;
  errorMessage: string;
  status: ParkedStatus;
  parkedAt: string;
  updatedAt: string;
}

interface Row {
  id: string;
  stream: string;
  source_schema: string;
  position: string;
  event_id: string | null;
  partition_key: string;
  error_code: string;
  error_message: string;
  status: ParkedStatus;
  parked_at: Date;
  updated_at: Date;
}

// `id` goes out as text (a bigint): every ORDER BY names the table's column (`p.id`), never the text alias,
// which PostgreSQL would sort as text ('10' before '9').
const COLUMNS = `id::text AS id, stream, source_schema, position::text AS position, event_id, partition_key, error_code, error_message, status, parked_at, updated_at`;

function toParked(r: Row): ParkedRecord {
  return {
    id: r.id,
    stream: r.stream,
    sourceSchema: r.source_schema,
    position: r.position,
    eventId: r.event_id,
    partitionKey: r.partition_key,
    errorCode: r.error_code,
    errorMessage: r.error_message,
    status: r.status,
    parkedAt: new Date(r.parked_at).toISOString(),
    updatedAt: new Date(r.updated_at).toISOString(),
  };
}

/** The event's id, read from the envelope only to show operators which event it is. */
function eventIdOf(data: string): string | null {
  try {
    const id = (JSON.parse(data) as { id?: unknown }).id;
    return typeof id === 'string' ? id : null;
  } catch {
    return null;
  }
}

export type ParkedAction = 'retry' | 'discard';

export type ParkedActionOutcome =
  | { outcome: 'done'; record: ParkedRecord }
  | { outcome: 'not-found' }
  | { outcome: 'conflict'; record: ParkedRecord; reason: string };

/**
 * platform.relay_parked: the durable side of parking (the relay writes and releases, operations list,
 * retry and discard). A key's open rows (parked or retrying) are its parked head and followers, in id order.
 */
export class ParkedStore {
  constructor(private readonly db: SqlRunner) {}

  /**
   * Records (or re-parks, after a failed retry) rows in the given order. A row already there keeps its id,
   * so its place in the key's order, and is parked again with the new error — unless the new one only says
   * "behind its parked head" (a record delivered twice, as the WAL reader's catch-up can): a row then keeps
   * the error that parked it, and a row already published or discarded stays so.
   */
  async park(parkings: Parking[]): Promise<void> {
    if (parkings.length === 0) return;
    const values: string[] = [];
    const params: unknown[] = [];
    for (const { record, code, message } of parkings) {
      const n = params.length;
      values.push(`($${n + 1}, $${n + 2}, $${n + 3}::bigint, $${n + 4}, $${n + 5}, $${n + 6}, $${n + 7})`);
      params.push(record.stream, record.schema, record.position, eventIdOf(record.data), record.partitionKey, code, message.slice(0, 2_000));
    }
    await this.db.query(
      `INSERT INTO platform.relay_parked (stream, source_schema, position, event_id, partition_key, error_code, error_message)
       VALUES ${values.join(', ')}
       ON CONFLICT (source_schema, position) DO UPDATE
         SET status = CASE WHEN EXCLUDED.error_code = '${KEY_PARKED}' AND relay_parked.status IN ('published', 'discarded')
                           THEN relay_parked.status ELSE 'parked' END,
             error_code = CASE WHEN EXCLUDED.error_code = '${KEY_PARKED}' THEN relay_parked.error_code ELSE EXCLUDED.error_code END,
             error_message = CASE WHEN EXCLUDED.error_code = '${KEY_PARKED}' THEN relay_parked.error_message ELSE EXCLUDED.error_message END,
             updated_at = now()`,
      params,
    );
  }

  /** Every (stream, key) with open rows, and whether an operator released it. */
  openKeys(): Promise<Array<{ stream: string; partitionKey: string; retrying: boolean }>> {
    return rowsOf(this.db, `
      SELECT stream, partition_key AS "partitionKey", bool_or(status = 'retrying') AS retrying
        FROM platform.relay_parked WHERE status IN ('parked', 'retrying') GROUP BY stream, partition_key`);
  }

  /** A key's open rows in order, with their envelopes read back from the event logs. */
  async openRowsOfKey(stream: string, partitionKey: string): Promise<ReleasedRecord[]> {
    const rows = await rowsOf<Row>(this.db,
      `SELECT ${COLUMNS} FROM platform.relay_parked p
        WHERE stream = $1 AND partition_key = $2 AND status IN ('parked', 'retrying') ORDER BY p.id`, [stream, partitionKey]);
    const data = new Map<string, string>();
    for (const schema of new Set(rows.map((r) => r.source_schema))) {
      const positions = rows.filter((r) => r.source_schema === schema).map((r) => r.position);
      const found = await rowsOf<{ position: string; data: string }>(this.db,
        `SELECT position::text AS position, envelope::text AS data FROM ${ident(schema)}.event_log WHERE position = ANY($1::bigint[])`, [positions]);
      for (const f of found) data.set(`${schema}\u0000${f.position}`, f.data);
    }
    return rows.flatMap((r) => {
      const envelope = data.get(`${r.source_schema}\u0000${r.position}`);
      if (envelope === undefined) return [];
      return [{ parkedId: r.id, status: r.status, schema: r.source_schema, position: r.position, stream: r.stream, partitionKey: r.partition_key, data: envelope }];
    });
  }

  async markPublished(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.db.query(`UPDATE platform.relay_parked SET status = 'published', updated_at = now() WHERE id = ANY($1::bigint[])`, [ids]);
  }

  /** Rows still holding their key back (parked or being retried). */
  async countOpen(): Promise<number> {
    const [row] = await rowsOf<{ n: string }>(this.db, `SELECT count(*)::text AS n FROM platform.relay_parked WHERE status IN ('parked', 'retrying')`);
    return Number(row.n);
  }

  async get(id: string): Promise<ParkedRecord | undefined> {
    const [row] = await rowsOf<Row>(this.db, `SELECT ${COLUMNS} FROM platform.relay_parked WHERE id = $1`, [id]);
    return row ? toParked(row) : undefined;
  }

  /** Oldest first; `cursor` is the last id of the previous page. */
  async list(filter: { stream?: string; partitionKey?: string; status?: ParkedStatus; limit: number; cursor?: string }): Promise<{ items: ParkedRecord[]; nextCursor: string | null }> {
    const conditions = ['id > $1'];
    const params: unknown[] = [filter.cursor ?? '0'];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      conditions.push(`${sql} $${params.length}`);
    };
    if (filter.stream) add('stream =', filter.stream);
    if (filter.partitionKey) add('partition_key =', filter.partitionKey);
    if (filter.status) add('status =', filter.status);
    params.push(filter.limit + 1);
    const rows = await rowsOf<Row>(this.db,
      `SELECT ${COLUMNS} FROM platform.relay_parked p WHERE ${conditions.join(' AND ')} ORDER BY p.id LIMIT $${params.length}`, params);
    const items = rows.slice(0, filter.limit).map(toParked);
    return { items, nextCursor: rows.length > filter.limit ? items[items.length - 1].id : null };
  }

  /**
   * Retry: the key's open rows, from this head on, become `retrying` (the active relay sends them again in
   * order). Discard: this head becomes `discarded`, the rest `retrying`. Only the key's head, while parked.
   */
  async act(id: string, action: ParkedAction): Promise<ParkedActionOutcome> {
    const [row] = await rowsOf<Row & { head_id: string | null; changed: string }>(this.db, `
      WITH target AS (
        SELECT * FROM platform.relay_parked WHERE id = $1
      ), head AS (
        SELECT min(p.id) AS id FROM platform.relay_parked p JOIN target t USING (stream, partition_key)
         WHERE p.status IN ('parked', 'retrying')
      ), changed AS (
        UPDATE platform.relay_parked p
           SET status = CASE WHEN $2 = 'discard' AND p.id = t.id THEN 'discarded' ELSE 'retrying' END, updated_at = now()
          FROM target t, head h
         WHERE t.status = 'parked' AND h.id = t.id
           AND p.stream = t.stream AND p.partition_key = t.partition_key AND p.status IN ('parked', 'retrying')
        RETURNING p.id
      )
      SELECT t.id::text AS id, t.stream, t.source_schema, t.position::text AS position, t.event_id, t.partition_key,
             t.error_code, t.error_message, t.status, t.parked_at, t.updated_at,
             (SELECT id::text FROM head) AS head_id, (SELECT count(*)::text FROM changed) AS changed
        FROM target t`, [id, action]);
    if (!row) return { outcome: 'not-found' };
    const record = toParked(row);
    if (Number(row.changed) > 0) {
      return { outcome: 'done', record: { ...record, status: action === 'discard' ? 'discarded' : 'retrying' } };
    }
    const reason = row.status !== 'parked'
      ? `Parked record ${id} is ${row.status}, not parked.`
      : `Parked record ${id} is not the head of its key: record ${row.head_id} of ${row.stream} / ${row.partition_key} comes first.`;
    return { outcome: 'conflict', record, reason };
  }
}
