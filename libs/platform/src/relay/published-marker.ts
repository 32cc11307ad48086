import type { Pool } from 'pg';
import type { RelayRecord } from './relay-record';
import { ident } from '../sql/ident';


/**
 * Marks the rows Kinesis confirmed as published: deletes them from their schema's `event_log_unpublished`, batched
 * (one DELETE per schema and flush; the event log itself never changes, docs/adr/0021-unpublished-rows-table.md),
 * and records the time in platform.relay_state so every process can show it.
 */
export class PublishedMarker {
  private waiting = new Map<string, string[]>();
  private count = 0;

  constructor(private readonly pool: Pool) {}

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
    try {
      for (const [schema, positions] of batch) {
        await this.pool.query(
`DELETE FROM ${ident(schema)}.event_log_unpublished WHERE position = ANY($1::bigint[])`,
          [positions],
        );
      }
      await this.pool.query(`UPDATE platform.relay_state SET last_published_at = clock_timestamp() WHERE id = 1`);
    } catch (error) {
      // Keep them for the next flush: a lost mark would leave a row looking unpublished (and sent again) later.
      for (const [schema, positions] of batch) {
        const current = this.waiting.get(schema) ?? [];
        this.waiting.set(schema, [...positions, ...current]);
      }
      this.count += count;
      throw error;
    }
    return count;
  }
}
