import type { Pool } from 'pg';
import { Gathering } from '../database/gathering';

/** One external event, ready to store: what POST /events writes as one row of platform.event_log. */
export interface EventRow {
  id: string;
  source: string;
  type: string;
  subject: string | null;
  partitionKey: string;
  stream: string;
  time: string;
  /** The envelope as JSON text (stored as jsonb). */
  json: string;
  contentHash: string;
}

/** Inserted: the row is new. Exists: a row with the same source + id was already there (nothing was written). */
export type InsertOutcome = 'inserted' | 'exists';

export interface EventInsertBatcherOptions {
  /** Batch statements in flight at once; what arrives meanwhile waits for the next batch. */
  maxInFlight: number;
  /** Rows per statement at most. */
  maxRows: number;
  /** Envelope text (JSON characters) per statement at most; a row larger than that still goes, alone. */
  maxCharacters: number;
  /** Told the size of every statement sent, and of every batch refused as a whole (its rows then went one by one). */
  observe?: { sent(rows: number): void; refused(rows: number): void };
}

/**
 * Statement name and text of one row: the same idempotent insert as a batch of one. Its advisory lock on (stream,
 * partition key) is taken before the row's position is drawn, so two POSTs of one key draw positions in the order
 * they commit (the polling relay publishes in position order, the WAL relay in commit order; docs/adr/0011).
 */
const INSERT_ONE = {
  name: 'eda_event_bus_ingest',
  text: `WITH key_lock AS (SELECT pg_advisory_xact_lock(hashtextextended('event_log:' || $6::text || ':' || $5::text, 0)))
         INSERT INTO platform.event_log (id, source, type, subject, partition_key, stream, time, envelope, content_hash)
         SELECT $1::text, $2::text, $3::text, $4::text, $5::text, $6::text, $7::timestamptz, $8::jsonb, $9::text FROM key_lock
         ON CONFLICT (source, id) DO NOTHING
         RETURNING position`,
};

/**
 * Many rows in one statement, one transaction. Every (stream, partition key) of the batch is locked first, in
 * the order of the lock keys, so two batches never wait on each other's locks in a circle; then the rows are
 * inserted in arrival order, so the rows of one key draw their positions in the order they came.
 */
const INSERT_MANY = {
  name: 'eda_event_bus_ingest_many',
  // The envelopes travel as one JSON array ($8), not as a text[]: no quote of theirs needs escaping for an array
  // literal, and PostgreSQL parses each once, as the jsonb it stores.
  text: `WITH batch AS (
           SELECT b.*, e.envelope
             FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $9::text[])
                    WITH ORDINALITY AS b(id, source, type, subject, partition_key, stream, time, content_hash, n)
             JOIN jsonb_array_elements($8::jsonb) WITH ORDINALITY AS e(envelope, n) USING (n)
         ), key_lock AS (
           SELECT count(*) AS locked FROM (
             SELECT pg_advisory_xact_lock(lock_key) FROM (
               SELECT DISTINCT hashtextextended('event_log:' || stream || ':' || partition_key, 0) AS lock_key FROM batch
             ) AS keys ORDER BY lock_key
           ) AS locks
         )
         INSERT INTO platform.event_log (id, source, type, subject, partition_key, stream, time, envelope, content_hash)
         SELECT id, source, type, subject, partition_key, stream, time::timestamptz, envelope, content_hash
           FROM batch CROSS JOIN key_lock ORDER BY n
         ON CONFLICT (source, id) DO NOTHING
         RETURNING source, id`,
};

interface Pending {
  row: EventRow;
  resolve: (outcome: InsertOutcome) => void;
  reject: (error: unknown) => void;
}

const rowKey = (source: string, id: string) => `${source}\u0000${id}`;
const partitionOf = (row: EventRow) => `${row.stream}\u0000${row.partitionKey}`;

/**
 * Group commit for POST /events (docs/adr/0019-ingress-fast-path.md): rows that arrive while `maxInFlight`
 * statements are already running wait, and leave together as one multi-row INSERT … ON CONFLICT DO NOTHING in
 * one transaction, on one connection, in one round trip. A lone request goes at once (the next turn of the
 * event loop): batching costs no wait when there is no queue, and under load PostgreSQL parses, locks, commits
 * and streams to the WAL relay once per batch instead of once per event.
 *
 * Each row keeps the answer it would have had alone. A batch that fails as a whole — one event over the
 * publishable size (the table's CHECK), a time PostgreSQL cannot store, a deadlock between two batches that
 * carry the same events in opposite orders — is inserted again row by row, each with its own statement and its
 * own outcome or error: one bad event costs its batch the fast path, never another event its answer. A row
 * whose source + id is already being written waits until that copy has its answer: one statement never holds
 * the same event twice, and the first copy to arrive is the one stored.
 */
export class EventInsertBatcher {
  private readonly rows: Gathering<Pending>;
  /** Source + id of every row in a statement now: a second copy waits until the first has its answer. */
  private readonly writing = new Set<string>();
  /** (stream, partition key) of every row in a statement now: the key's next rows wait for that statement. */
  private readonly busyKeys = new Set<string>();

  constructor(private readonly pool: () => Pool, private readonly options: EventInsertBatcherOptions) {
    this.rows = new Gathering({
      maxInFlight: options.maxInFlight,
      take: (waiting) => this.takeBatch(waiting),
      send: async (batch) => {
        try {
          await this.send(batch);
        } finally {
          for (const { row } of batch) {
            this.writing.delete(rowKey(row.source, row.id));
            this.busyKeys.delete(partitionOf(row));
          }
        }
      },
    });
  }

  insert(row: EventRow): Promise<InsertOutcome> {
    return new Promise<InsertOutcome>((resolve, reject) => this.rows.add({ row, resolve, reject }));
  }

  /** One row alone, as the fallback of a failed batch does it (its errors are its own). */
  private async insertOne(row: EventRow): Promise<InsertOutcome> {
    const { rows } = await this.pool().query({
      ...INSERT_ONE,
      values: [row.id, row.source, row.type, row.subject, row.partitionKey, row.stream, row.time, row.json, row.contentHash],
    });
    return rows.length > 0 ? 'inserted' : 'exists';
  }

  /**
   * The next statement's rows, in arrival order. A row waits when a copy of its event is being written, or when
   * a statement now running holds its key: a key's rows are in one statement at a time, so they are stored in
   * the order they came, as one connection would have stored them.
   */
  private takeBatch(waiting: Pending[]): { batch: Pending[]; rest: Pending[] } {
    const batch: Pending[] = [];
    const batchKeys = new Set<string>();
    const held: Pending[] = [];
    let characters = 0;
    let index = 0;
    for (; index < waiting.length && batch.length < this.options.maxRows; index++) {
      const pending = waiting[index];
      if (batch.length > 0 && characters + pending.row.json.length > this.options.maxCharacters) break;
      const event = rowKey(pending.row.source, pending.row.id);
      const key = partitionOf(pending.row);
      if (this.writing.has(event) || this.busyKeys.has(key)) {
        held.push(pending);
        continue;
      }
      this.writing.add(event);
      batchKeys.add(key);
      batch.push(pending);
      characters += pending.row.json.length;
    }
    for (const key of batchKeys) this.busyKeys.add(key);
    return { batch, rest: held.concat(waiting.slice(index)) };
  }

  private async send(batch: Pending[]): Promise<void> {
    this.options.observe?.sent(batch.length);
    if (batch.length === 1) {
      await this.settle(batch[0]);
      return;
    }
    let inserted: Set<string>;
    try {
      inserted = await this.insertMany(batch.map((p) => p.row));
    } catch {
      // The batch as a whole was refused: every row alone, each with its own answer; a key's rows one after
      // another, in the order they came, the keys side by side.
      this.options.observe?.refused(batch.length);
      const perKey = new Map<string, Pending[]>();
      for (const pending of batch) {
        const key = partitionOf(pending.row);
        const rows = perKey.get(key);
        if (rows) rows.push(pending);
        else perKey.set(key, [pending]);
      }
      await Promise.all([...perKey.values()].map(async (rows) => {
        for (const pending of rows) await this.settle(pending);
      }));
      return;
    }
    for (const { row, resolve } of batch) resolve(inserted.has(rowKey(row.source, row.id)) ? 'inserted' : 'exists');
  }

  private async settle(pending: Pending): Promise<void> {
    try {
      pending.resolve(await this.insertOne(pending.row));
    } catch (error) {
      pending.reject(error);
    }
  }

  private async insertMany(rows: EventRow[]): Promise<Set<string>> {
    const columns: Array<Array<string | null>> = [[], [], [], [], [], [], [], [], []];
    let envelopes = '';
    for (const row of rows) {
      columns[0].push(row.id);
      columns[1].push(row.source);
      columns[2].push(row.type);
      columns[3].push(row.subject);
      columns[4].push(row.partitionKey);
      columns[5].push(row.stream);
      columns[6].push(row.time);
      envelopes += envelopes ? `,${row.json}` : row.json;
      columns[8].push(row.contentHash);
    }
    const values: unknown[] = [...columns.slice(0, 7), `[${envelopes}]`, columns[8]];
    const result = await this.pool().query<{ source: string; id: string }>({ ...INSERT_MANY, values });
    return new Set(result.rows.map((r) => rowKey(r.source, r.id)));
  }
}
