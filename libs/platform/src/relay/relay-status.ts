import { ident, literal } from '../sql/ident';

/** GET /ops/relay (docs/contract.md §3). */
export interface RelayStatus {
  mode: 'wal' | 'polling';
  /** Event-log rows not yet confirmed by Kinesis, over every schema (parked rows excluded). */
  pending: number;
  /** Parked records still holding their key back (GET /ops/relay/parked). */
  parked: number;
  /** Age of the oldest of them, 0 when none. */
  lagMs: number;
  lastPublishedAt: string | null;
}

/**
 * Reads the relay's state from the database, so any process can answer, relay or not: pending rows and
 * their age from the event logs' unpublished tables, mode and last publication from platform.relay_state.
 */
/** A pg Pool or a TypeORM DataSource: either can run the status query. */
export interface StatusQueryable {
  query(sql: string): Promise<unknown>;
}

/**
 * The rows of `schema`'s event log the relay still owes Kinesis, as a FROM clause with its WHERE (aliased `u`: position,
 * recorded_at): unpublished (in `event_log_unpublished`, docs/adr/0021-unpublished-rows-table.md) and not parked.
 * The relay's reader, its status and its watchdog all ask it the same way; append conditions with AND.
 */
export function owedToKinesis(schema: string): string {
  return `${ident(schema)}.event_log_unpublished u
    WHERE NOT EXISTS (SELECT 1 FROM platform.relay_parked p WHERE p.source_schema = ${literal(schema)} AND p.position = u.position)`;
}

export async function readRelayStatus(db: StatusQueryable, schemas: string[]): Promise<RelayStatus> {
  const unpublished = schemas
    .map((schema) => `SELECT count(*) AS n, min(u.recorded_at) AS oldest FROM ${owedToKinesis(schema)}`)
    .join(' UNION ALL ');
  const result = await db.query(`
    WITH unpublished AS (${unpublished})
    SELECT (SELECT coalesce(sum(n), 0) FROM unpublished)::text AS pending,
           (SELECT floor(extract(epoch FROM clock_timestamp() - min(oldest)) * 1000) FROM unpublished)::text AS lag_ms,
           (SELECT count(*) FROM platform.relay_parked WHERE status IN ('parked', 'retrying'))::text AS parked,
           s.mode, s.last_published_at
      FROM (SELECT 1) one LEFT JOIN platform.relay_state s ON s.id = 1`);
  const rows = (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as Array<{
    pending: string;
    parked: string;
    lag_ms: string | null;
    mode: string | null;
    last_published_at: Date | null;
  }>;
  const row = rows[0];
  return {
    mode: row.mode === 'wal' ? 'wal' : 'polling',
    pending: Number(row.pending),
    parked: Number(row.parked),
    lagMs: row.lag_ms === null ? 0 : Math.max(0, Number(row.lag_ms)),
    lastPublishedAt: row.last_published_at ? row.last_published_at.toISOString() : null,
  };
}
