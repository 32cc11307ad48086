import type { Pool, PoolClient } from 'pg';
import type { CloudEvent } from '../../event-log/cloud-event';

/** The handler name under which records that are not CloudEvents are parked: no handler can take them. */
export const UNPARSEABLE_HANDLER = '(unparseable)';

/** The shard id of a letter parked by the event-log backfill (its sequence number is the log position). */
export function eventLogShard(schema: string): string {
  return `event-log:${schema}`;
}
export function isEventLogShard(shardId: string): boolean {
  return shardId.startsWith('event-log:');
}

/** The lease a reader parks under: the park is refused once another worker took (or re-made) it. */
export interface LeaseClaim {
  owner: string;
  /** The lease row's created_at, as LeaseStore reads it. */
  createdAt: string;
}

/** parked: stored (or already stored); free: the key is not parked any more; lost: the lease is not the caller's. */
export type ParkOutcome = 'parked' | 'free' | 'lost';

export type DeadLetterStatus = 'parked' | 'resolved' | 'discarded';

export interface DeadLetter {
  id: string;
  handler: string;
  stream: string;
  shardId: string;
  sequenceNumber: string;
  subSequence: number;
  partitionKey: string;
  messageId: string | null;
  type: string | null;
  event: CloudEvent | null;
  raw: string | null;
  error: string;
  attempts: number;
  status: DeadLetterStatus;
  parkedAt: string;
  updatedAt: string;
}

export interface NewDeadLetter {
  handler: string;
  stream: string;
  shardId: string;
  sequenceNumber: string;
  subSequence: number;
  partitionKey: string;
  event: CloudEvent | null;
  raw: string | null;
  error: string;
  attempts: number;
}

interface Row {
  id: string;
  handler: string;
  stream: string;
  shard_id: string;
  sequence_number: string;
  sub_sequence: number;
  partition_key: string;
  message_id: string | null;
  type: string | null;
  event: CloudEvent | null;
  raw: string | null;
  error: string;
  attempts: number;
  status: DeadLetterStatus;
  parked_at: Date;
  updated_at: Date;
}

function toDeadLetter(r: Row): DeadLetter {
  return {
    id: String(r.id),
    handler: r.handler,
    stream: r.stream,
    shardId: r.shard_id,
    sequenceNumber: r.sequence_number,
    subSequence: r.sub_sequence,
    partitionKey: r.partition_key,
    messageId: r.message_id,
    type: r.type,
    event: r.event,
    raw: r.raw,
    error: r.error,
    attempts: r.attempts,
    status: r.status,
    parkedAt: r.parked_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

export interface DeadLetterListFilter {
  handler?: string;
  partitionKey?: string;
  status?: DeadLetterStatus;
  limit: number;
  /** Only letters after this id. */
  cursor?: string;
}

/**
 * The page query of GET /ops/dead-letters (one row more than the page, to know of a next one), apart so its plan
 * can be checked (dead-letter-paging.int.spec.ts). Sent with its parameters (planned for their values), parked
 * letters page along one of the partial `dead_letters_parked_*` indexes, stopped by LIMIT.
 */
export function deadLetterListQuery(consumerGroup: string, filter: DeadLetterListFilter): { sql: string; params: unknown[] } {
  return {
    sql: `SELECT * FROM dead_letters
           WHERE consumer_group = $1 AND ($2::text IS NULL OR handler = $2) AND ($3::text IS NULL OR status = $3)
             AND ($4::bigint IS NULL OR id > $4) AND ($6::text IS NULL OR partition_key = $6)
           ORDER BY id LIMIT $5`,
    params: [consumerGroup, filter.handler ?? null, filter.status ?? null, filter.cursor ?? null, filter.limit + 1, filter.partitionKey ?? null],
  };
}

/**
 * platform.dead_letters of one consumer group. A partition key is "parked" for a handler on a stream while it
 * has a parked row there; the reader's "park behind" and the retry's "resolve and look for the next" take the
 * same advisory lock, so a follower is either parked before the retry looks for it or sees the key released.
 * A reader parks only while it holds its lease (ADR 0010): the next owner loads the parked keys after taking
 * the lease, so it knows every letter of its shard, and a stale reader cannot park what the new owner applied.
 */
export class DeadLetterStore {
  constructor(private readonly pool: Pool, readonly consumerGroup: string) {}

  /** Parks `letter` (once per message); `lost` when `claim` is given and the lease is not the caller's any more. */
  async park(letter: NewDeadLetter, claim?: LeaseClaim): Promise<Exclude<ParkOutcome, 'free'>> {
    return this.inKeyLock(letter.handler, letter.partitionKey, async (client) => {
      if (claim && !(await this.holdsLease(client, letter, claim))) return 'lost';
      if (!(await this.isParked(client, letter))) await this.insert(client, letter);
      return 'parked';
    });
  }

  /** Parks `letter` if its key is still parked for its handler on its stream; `free` when it was released meanwhile. */
  async parkBehind(letter: NewDeadLetter, claim?: LeaseClaim): Promise<ParkOutcome> {
    return this.inKeyLock(letter.handler, letter.partitionKey, async (client) => {
      if (claim && !(await this.holdsLease(client, letter, claim))) return 'lost';
      if (!(await this.hasParked(client, letter.handler, letter.stream, letter.partitionKey))) return 'free';
      if (!(await this.isParked(client, letter))) await this.insert(client, letter);
      return 'parked';
    });
  }

  /** handler → partition keys parked on `stream` (a reader loads them when it takes a shard). */
  async parkedKeys(stream: string): Promise<Map<string, Set<string>>> {
    const { rows } = await this.pool.query<{ handler: string; partition_key: string }>(
      `SELECT DISTINCT handler, partition_key FROM dead_letters WHERE consumer_group = $1 AND stream = $2 AND status = 'parked'`,
      [this.consumerGroup, stream],
    );
    const keys = new Map<string, Set<string>>();
    for (const r of rows) {
      if (!keys.has(r.handler)) keys.set(r.handler, new Set());
      keys.get(r.handler)!.add(r.partition_key);
    }
    return keys;
  }

  async list(filter: DeadLetterListFilter): Promise<{ items: DeadLetter[]; nextCursor: string | null }> {
    const { sql, params } = deadLetterListQuery(this.consumerGroup, filter);
    const { rows } = await this.pool.query<Row>(sql, params);
    const items = rows.slice(0, filter.limit).map(toDeadLetter);
    return { items, nextCursor: rows.length > filter.limit ? items[items.length - 1].id : null };
  }

  async get(id: string): Promise<DeadLetter | null> {
    const { rows } = await this.pool.query<Row>(`SELECT * FROM dead_letters WHERE consumer_group = $1 AND id = $2`, [this.consumerGroup, id]);
    return rows[0] ? toDeadLetter(rows[0]) : null;
  }

  async oldestParked(handler: string, partitionKey: string): Promise<DeadLetter | null> {
    const { rows } = await this.pool.query<Row>(
      `SELECT * FROM dead_letters WHERE consumer_group = $1 AND handler = $2 AND partition_key = $3 AND status = 'parked'
        ORDER BY id LIMIT 1`,
      [this.consumerGroup, handler, partitionKey],
    );
    return rows[0] ? toDeadLetter(rows[0]) : null;
  }

  /** Marks a retried letter applied and returns the key's next parked one, atomically with a follower's parking. */
  async resolveAndNext(letter: DeadLetter): Promise<DeadLetter | null> {
    return this.inKeyLock(letter.handler, letter.partitionKey, async (client) => {
      await client.query(
        `UPDATE dead_letters SET status = 'resolved', attempts = attempts + 1, updated_at = now() WHERE id = $1 AND status = 'parked'`,
        [letter.id],
      );
      const { rows } = await client.query<Row>(
        `SELECT * FROM dead_letters WHERE consumer_group = $1 AND handler = $2 AND partition_key = $3 AND status = 'parked'
          ORDER BY id LIMIT 1`,
        [this.consumerGroup, letter.handler, letter.partitionKey],
      );
      return rows[0] ? toDeadLetter(rows[0]) : null;
    });
  }

  async recordFailure(id: string, error: string): Promise<void> {
    await this.pool.query(`UPDATE dead_letters SET attempts = attempts + 1, error = $2, updated_at = now() WHERE id = $1`, [id, error]);
  }

  /** True when the letter was parked and is now discarded. */
  async discard(id: string): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `UPDATE dead_letters SET status = 'discarded', updated_at = now() WHERE consumer_group = $1 AND id = $2 AND status = 'parked'`,
      [this.consumerGroup, id],
    );
    return (rowCount ?? 0) > 0;
  }

  async countParked(): Promise<number> {
    const { rows } = await this.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM dead_letters WHERE consumer_group = $1 AND status = 'parked'`,
      [this.consumerGroup],
    );
    return rows[0].n;
  }

  private async hasParked(client: PoolClient, handler: string, stream: string, partitionKey: string): Promise<boolean> {
    const { rowCount } = await client.query(
      `SELECT 1 FROM dead_letters WHERE consumer_group = $1 AND handler = $2 AND partition_key = $3 AND stream = $4 AND status = 'parked' LIMIT 1`,
      [this.consumerGroup, handler, partitionKey, stream],
    );
    return (rowCount ?? 0) > 0;
  }

  /** The same message already parked for the handler (read again after a lost checkpoint, or replayed from the log). */
  private async isParked(client: PoolClient, l: NewDeadLetter): Promise<boolean> {
    if (!l.event) return false;
    const { rowCount } = await client.query(
      `SELECT 1 FROM dead_letters WHERE consumer_group = $1 AND handler = $2 AND partition_key = $3 AND message_id = $4 AND status = 'parked' LIMIT 1`,
      [this.consumerGroup, l.handler, l.partitionKey, l.event.id],
    );
    return (rowCount ?? 0) > 0;
  }

  /** Locks the lease row (a taker's update waits for this park to commit) and says whether the claim still holds. */
  private async holdsLease(client: PoolClient, l: NewDeadLetter, claim: LeaseClaim): Promise<boolean> {
    const { rowCount } = await client.query(
      `SELECT 1 FROM consumer_leases
        WHERE consumer_group = $1 AND stream = $2 AND shard_id = $3 AND owner = $4 AND state = 'active' AND created_at = $5::timestamptz
        FOR SHARE`,
      [this.consumerGroup, l.stream, l.shardId, claim.owner, claim.createdAt],
    );
    return (rowCount ?? 0) > 0;
  }

  private async insert(client: PoolClient, l: NewDeadLetter): Promise<string> {
    const { rows } = await client.query<{ id: string }>(
      `INSERT INTO dead_letters (consumer_group, handler, stream, shard_id, sequence_number, sub_sequence, partition_key,
                                 message_id, type, event, raw, error, attempts)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11, $12, $13) RETURNING id`,
      [
        this.consumerGroup, l.handler, l.stream, l.shardId, l.sequenceNumber, l.subSequence, l.partitionKey,
        l.event?.id ?? null, l.event?.type ?? null, l.event ? JSON.stringify(l.event) : null, l.raw, l.error, l.attempts,
      ],
    );
    return String(rows[0].id);
  }

  private async inKeyLock<T>(handler: string, partitionKey: string, work: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`dead-letters:${this.consumerGroup}:${handler}:${partitionKey}`]);
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }
}
