import type { Pool } from 'pg';
import type { RelayRecord } from './relay-record';
import { ident } from '../database/ident';

/** Positions per UPDATE at most, and at least when a flush is split over connections. */
const STAMP_CHUNK = 1_000;
const SMALLEST_SPLIT = 250;

/**
 * Stamps `published_at` on the rows Kinesis confirmed, in bulk: one UPDATE per schema and chunk of positions
 * (`position = ANY($1)`), up to `concurrency` of them at once, then records the time in platform.relay_state so
 * every process can show it. A stamp costs the database more than the row's insert did (a new row version in
 * every index, the insert-only trigger), so a flush that waited behind another is spread over connections
 * (docs/adr/0018-relay-pipelining.md).
 */
export class PublishedMarker {
  private waiting = new Map<string, string[]>();
  private count = 0;

  constructor(private readonly pool: Pool, private readonly concurrency = 2) {}

  get size(): number {
    return this.count;
  }

  add(records: RelayRecord[]): void {
    for (const { schema, position } of records) {
      let positions = this.waiting.get(schema);
      if (!positions) this.waiting.set(schema, (positions = []));
      positions.push(position);
    }
    this.count += records.length;
  }

  async flush(): Promise<number> {
    if (this.count === 0) return 0;
    const batch = this.waiting;
    const count = this.count;
    this.waiting = new Map();
    this.count = 0;
    // Even parts, so the statements running at once end together.
    const size = Math.min(STAMP_CHUNK, Math.max(SMALLEST_SPLIT, Math.ceil(count / this.concurrency)));
    const chunks: Array<{ schema: string; positions: string[] }> = [];
    for (const [schema, positions] of batch) {
      for (let i = 0; i < positions.length; i += size) chunks.push({ schema, positions: positions.slice(i, i + size) });
    }
    const failed: typeof chunks = [];
    let failure: unknown;
    let next = 0;
    const stampChunks = async () => {
      while (next < chunks.length) {
        const chunk = chunks[next++];
        try {
          await this.pool.query(
            `UPDATE ${ident(chunk.schema)}.event_log SET published_at = clock_timestamp()
              WHERE position = ANY($1::bigint[]) AND published_at IS NULL`,
            [chunk.positions],
          );
        } catch (error) {
          failed.push(chunk);
          failure ??= error;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, chunks.length) }, stampChunks));
    if (failed.length > 0) {
      // Keep them for the next flush: a lost stamp would leave a row looking unpublished forever.
      for (const { schema, positions } of failed) {
        const current = this.waiting.get(schema) ?? [];
        this.waiting.set(schema, [...positions, ...current]);
        this.count += positions.length;
      }
      throw failure;
    }
    await this.pool.query(`UPDATE platform.relay_state SET last_published_at = clock_timestamp() WHERE id = 1`);
    return count;
  }
}
