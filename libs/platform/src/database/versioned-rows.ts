import type { EntityManager } from 'typeorm';
import { ConcurrencyConflictError } from '../ddd/domain-error';
import { ident } from '../sql/ident';

/** The PostgreSQL type a column's values are sent as (one array of them per column). */
export type SqlType = 'text' | 'uuid' | 'integer' | 'bigint' | 'numeric' | 'boolean' | 'timestamptz' | 'jsonb';

/** Rows of one table to write, each only if its `version` is still the one it was read at. */
export interface VersionedRowsUpdate<Column extends string> {
  /** The aggregate the rows hold, as ConcurrencyConflictError names it ('Order', 'Product'). */
  entity: string;
  table: string;
  key: { column: string; type: SqlType };
  /** The columns written and their types; every row gives a value for each. */
  columns: Record<Column, SqlType>;
  /** Each key once; `version`: the one the row was read at; `nextVersion`: the one written (default one up). */
  rows: ReadonlyArray<{ key: string; version: number; nextVersion?: number; values: Record<Column, unknown> }>;
}

/**
 * Writes many rows of one table in one statement (`UPDATE … FROM unnest(…)`), where TypeORM sends one UPDATE per
 * row: each row conditional on the version it was read at, and one up (or to `nextVersion`: a row changed twice in
 * memory is written as the two writes would have left it). When any row's version has moved it throws
 * ConcurrencyConflictError naming that row, and the caller's transaction must roll back (the other rows are written).
 * Values are sent as TypeORM sends them: a Date as a timestamp, a jsonb value as its JSON text, null as NULL.
 */
export async function updateVersionedRows<Column extends string>(db: Pick<EntityManager, 'query'>, update: VersionedRowsUpdate<Column>): Promise<void> {
  const { entity, table, key, rows } = update;
  if (rows.length === 0) return;
  if (new Set(rows.map((r) => r.key)).size !== rows.length) throw new Error(`updateVersionedRows: a ${entity} is given twice.`);
  const columns = Object.entries(update.columns) as Array<[Column, SqlType]>;
  const unnested = [
    { name: key.column, type: key.type, values: rows.map((r) => r.key) },
    { name: 'version', type: 'integer', values: rows.map((r) => r.version) },
    { name: 'next_version', type: 'integer', values: rows.map((r) => r.nextVersion ?? r.version + 1) },
    ...columns.map(([name, type]) => ({ name, type, values: rows.map((r) => (type === 'jsonb' ? asJson(r.values[name]) : r.values[name])) })),
  ];
  const k = ident(key.column);
  // TypeORM answers an UPDATE on PostgreSQL with [rows returned, rows affected].
  const [written]: [Array<{ place: string }>, number] = await db.query(
    `UPDATE ${ident(table)} AS t
        SET ${columns.map(([name]) => `${ident(name)} = v.${ident(name)}`).join(', ')}, version = v.next_version
       FROM unnest(${unnested.map((c, i) => `$${i + 1}::${c.type}[]`).join(', ')}) WITH ORDINALITY AS v(${unnested.map((c) => ident(c.name)).join(', ')}, place)
      WHERE t.${k} = v.${k} AND t.version = v.version
      RETURNING v.place`,
    unnested.map((c) => c.values),
  );
  if (written.length === rows.length) return;
  // Each row's place in `rows` (from 1), not its key as PostgreSQL spells it back (a uuid in lower case).
  const writtenPlaces = new Set(written.map((w) => Number(w.place)));
  throw new ConcurrencyConflictError(entity, rows.find((_, i) => !writtenPlaces.has(i + 1))!.key);
}

/** As TypeORM sends a jsonb value; in an array parameter pg would send an array value as a nested SQL array. */
const asJson = (value: unknown): string | null => (value === null || value === undefined ? null : JSON.stringify(value));
