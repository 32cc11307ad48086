import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { ValidationProblem } from '../http/problem-details.filter';
import { PlatformRuntime } from '../platform-runtime';
import type { CloudEvent } from './cloud-event';

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

/** Keyset of the merged log: (recorded_at with microseconds, schema, position). */
interface Cursor {
  at: string;
  schema: string;
  position: string;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]*$/;
const CURSOR_AT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const POSITION = /^[1-9]\d{0,18}$/;
// Microseconds kept: a JS Date would round them away and a cursor could then skip or repeat rows.
const AT_TEXT = `to_char(recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.at, cursor.schema, cursor.position])).toString('base64url');
}

export function decodeCursor(text: string): Cursor | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (!Array.isArray(value) || value.length !== 3) return undefined;
    const [at, schema, position] = value;
    if (typeof at !== 'string' || !CURSOR_AT.test(at) || Number.isNaN(Date.parse(at))) return undefined;
    if (typeof schema !== 'string' || !SCHEMA_NAME.test(schema)) return undefined;
    if (typeof position !== 'string' || !POSITION.test(position) || BigInt(position) > 2n ** 63n - 1n) return undefined;
    return { at, schema, position };
  } catch {
    return undefined;
  }
}

/**
 * Reads the event log as one: the union of every schema's event_log (the platform's and each context's),
 * which the platform role may read. Oldest first, by the time each row was recorded.
 */
@Injectable()
export class EventLogQuery {
  private readonly schemas: string[];

  constructor(@InjectDataSource('platform') private readonly db: DataSource, runtime: PlatformRuntime) {
    // Code-unit order, which matches the SQL's COLLATE "C" on the same lower-case ASCII names.
    this.schemas = [...new Set(['platform', ...runtime.storages.map((s) => s.name)])].filter((s) => SCHEMA_NAME.test(s)).sort();
  }

  async list(filter: EventLogFilter): Promise<EventLogPage> {
    const cursor = filter.cursor === undefined ? undefined : decodeCursor(filter.cursor);
    if (filter.cursor !== undefined && !cursor) throw new ValidationProblem({ cursor: ['cursor must be a nextCursor this API returned'] });

    const params: unknown[] = [];
    const param = (value: unknown, cast = '') => `$${params.push(value)}${cast}`;
    const common: string[] = [];
    if (filter.type !== undefined) common.push(`type = ${param(filter.type)}`);
    if (filter.source !== undefined) common.push(`source = ${param(filter.source)}`);
    if (filter.subject !== undefined) common.push(`subject = ${param(filter.subject)}`);
    if (filter.after !== undefined) common.push(`time > ${param(filter.after, '::timestamptz')}`);
    if (filter.before !== undefined) common.push(`time < ${param(filter.before, '::timestamptz')}`);
    const at = cursor ? param(cursor.at, '::timestamptz') : '';
    const position = cursor ? param(cursor.position, '::bigint') : '';
    const limit = param(filter.limit + 1, '::int');

    const branches = this.schemas.map((schema) => {
      const where = [...common];
      if (cursor) {
        // Rows of a schema that sorts before the cursor's were all returned up to `at` inclusive, and so on.
        if (schema < cursor.schema) where.push(`recorded_at > ${at}`);
        else if (schema > cursor.schema) where.push(`recorded_at >= ${at}`);
        else where.push(`(recorded_at, position) > (${at}, ${position})`);
      }
      return `(SELECT '${schema}'::text AS schema_name, position, recorded_at, envelope FROM "${schema}".event_log
               ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY recorded_at, position LIMIT ${limit})`;
    });
    const rows: Array<{ schema_name: string; position: string; at: string; envelope: CloudEvent }> = await this.db.query(
      `SELECT schema_name, position::text AS position, ${AT_TEXT} AS at, envelope
       FROM (${branches.join(' UNION ALL ')}) merged
       ORDER BY recorded_at, schema_name COLLATE "C", position
       LIMIT ${limit}`,
      params,
    );
    const more = rows.length > filter.limit;
    const page = more ? rows.slice(0, filter.limit) : rows;
    const last = page[page.length - 1];
    return {
      items: page.map((r) => r.envelope),
      nextCursor: more && last ? encodeCursor({ at: last.at, schema: last.schema_name, position: last.position }) : null,
    };
  }

  /** The event with CloudEvent id `id` (of `source` when given); the earliest recorded when several sources share the id. */
  async get(id: string, source?: string): Promise<CloudEvent | undefined> {
    const params: unknown[] = [id];
    if (source !== undefined) params.push(source);
    const where = source !== undefined ? 'id = $1 AND source = $2' : 'id = $1';
    const branches = this.schemas.map(
      (schema) => `(SELECT '${schema}'::text AS schema_name, position, recorded_at, envelope FROM "${schema}".event_log WHERE ${where})`,
    );
    const rows: Array<{ envelope: CloudEvent }> = await this.db.query(
      `SELECT envelope FROM (${branches.join(' UNION ALL ')}) merged ORDER BY recorded_at, schema_name COLLATE "C", position LIMIT 1`,
      params,
    );
    return rows[0]?.envelope;
  }
}
