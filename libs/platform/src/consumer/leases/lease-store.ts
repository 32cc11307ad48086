import type { Pool } from 'pg';

export const TRIM_HORIZON = 'TRIM_HORIZON';
export const SHARD_END = 'SHARD_END';

export interface Lease {
  stream: string;
  shardId: string;
  owner: string | null;
  counter: number;
  /** Judged by the database clock, so workers with skewed clocks agree. */
  expired: boolean;
  checkpoint: string;
  parentShardIds: string[];
  state: 'active' | 'finished';
  millisBehindLatest: number | null;
  /** The row's creation time as text (microseconds kept): a lease dropped and re-made is another lease. */
  createdAt: string;
  /** When the group last dropped this stream's leases because the stream was re-created; null if never. */
  streamResetAt: Date | null;
}

interface LeaseRow {
  stream: string;
  shard_id: string;
  owner: string | null;
  counter: string;
  expired: boolean;
  checkpoint: string;
  parent_shard_ids: string[];
  state: 'active' | 'finished';
  millis_behind_latest: string | null;
  created_at: string;
  stream_reset_at: Date | null;
}

const COLUMNS = `stream, shard_id, owner, counter, expires_at < now() AS expired, checkpoint, parent_shard_ids, state, millis_behind_latest,
  created_at::text AS created_at,
  (SELECT s.reset_at FROM consumer_streams s WHERE s.consumer_group = consumer_leases.consumer_group AND s.stream = consumer_leases.stream) AS stream_reset_at`;

function toLease(row: LeaseRow): Lease {
  return {
    stream: row.stream,
    shardId: row.shard_id,
    owner: row.owner,
    counter: Number(row.counter),
    expired: row.expired,
    checkpoint: row.checkpoint,
    parentShardIds: row.parent_shard_ids,
    state: row.state,
    millisBehindLatest: row.millis_behind_latest === null ? null : Number(row.millis_behind_latest),
    createdAt: row.created_at,
    streamResetAt: row.stream_reset_at,
  };
}

/**
 * The lease table of one consumer group (platform schema). Every change of owner is a conditional update on
 * the counter the caller saw, so of two workers racing for a lease exactly one wins.
 */
export class LeaseStore {
  constructor(private readonly pool: Pool, readonly consumerGroup: string) {}

  async list(stream?: string): Promise<Lease[]> {
    const { rows } = await this.pool.query<LeaseRow>(
      `SELECT ${COLUMNS} FROM consumer_leases WHERE consumer_group = $1 AND ($2::text IS NULL OR stream = $2)
       ORDER BY stream, shard_id`,
      [this.consumerGroup, stream ?? null],
    );
    return rows.map(toLease);
  }

  /**
   * The leases of every consumer group in this database, by group (for GET /ops/consumers: other groups are other
   * deployments reading the same streams). Read only: this store changes its own group's leases alone.
   */
  async listEveryGroup(): Promise<Array<Lease & { consumerGroup: string }>> {
    const { rows } = await this.pool.query<LeaseRow & { consumer_group: string }>(
      `SELECT consumer_group, ${COLUMNS} FROM consumer_leases ORDER BY consumer_group, stream, shard_id`,
    );
    return rows.map((row) => ({ consumerGroup: row.consumer_group, ...toLease(row) }));
  }

  /** Records a shard the group has not seen; a new group starts at TRIM_HORIZON. */
  async createIfMissing(stream: string, shardId: string, parentShardIds: string[]): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `INSERT INTO consumer_leases (consumer_group, stream, shard_id, parent_shard_ids) VALUES ($1, $2, $3, $4)
       ON CONFLICT DO NOTHING`,
      [this.consumerGroup, stream, shardId, parentShardIds],
    );
    return (rowCount ?? 0) > 0;
  }

  /** Extends the leases `owner` still holds; returns the shard ids (stream/shard) it lost. */
  async renew(owner: string, durationMs: number, held: Array<{ stream: string; shardId: string; millisBehindLatest: number | null }>): Promise<Set<string>> {
    if (held.length === 0) return new Set();
    const { rows } = await this.pool.query<{ stream: string; shard_id: string }>(
      `UPDATE consumer_leases l
          SET counter = counter + 1, expires_at = now() + make_interval(secs => $3 / 1000.0),
              millis_behind_latest = h.behind, updated_at = now()
         FROM unnest($4::text[], $5::text[], $6::bigint[]) AS h(stream, shard_id, behind)
        WHERE l.consumer_group = $1 AND l.owner = $2 AND l.stream = h.stream AND l.shard_id = h.shard_id AND l.state = 'active'
        RETURNING l.stream, l.shard_id`,
      [
        this.consumerGroup,
        owner,
        durationMs,
        held.map((h) => h.stream),
        held.map((h) => h.shardId),
        held.map((h) => h.millisBehindLatest),
      ],
    );
    const kept = new Set(rows.map((r) => leaseKey(r.stream, r.shard_id)));
    return new Set(held.map((h) => leaseKey(h.stream, h.shardId)).filter((k) => !kept.has(k)));
  }

  /** Takes a lease (expired, free, or stolen) if nobody changed it since `seen` was read. */
  async take(seen: Lease, owner: string, durationMs: number): Promise<Lease | null> {
    const { rows } = await this.pool.query<LeaseRow>(
      `UPDATE consumer_leases SET owner = $4, counter = counter + 1, expires_at = now() + make_interval(secs => $6 / 1000.0), updated_at = now()
        WHERE consumer_group = $1 AND stream = $2 AND shard_id = $3 AND counter = $5 AND state = 'active'
        RETURNING ${COLUMNS}`,
      [this.consumerGroup, seen.stream, seen.shardId, owner, seen.counter, durationMs],
    );
    return rows[0] ? toLease(rows[0]) : null;
  }

  async get(stream: string, shardId: string): Promise<Lease | null> {
    const { rows } = await this.pool.query<LeaseRow>(
      `SELECT ${COLUMNS} FROM consumer_leases WHERE consumer_group = $1 AND stream = $2 AND shard_id = $3`,
      [this.consumerGroup, stream, shardId],
    );
    return rows[0] ? toLease(rows[0]) : null;
  }

  /**
   * Moves the checkpoint while `owner` still holds this very lease; false when it was lost. A lease re-made
   * after a stream reset is another row (`createdAt`), so a late reader of the old stream cannot write to it.
   */
  async checkpoint(lease: Pick<Lease, 'stream' | 'shardId' | 'createdAt'>, owner: string, checkpoint: string): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `UPDATE consumer_leases SET checkpoint = $5, updated_at = now()
        WHERE consumer_group = $1 AND stream = $2 AND shard_id = $3 AND owner = $4 AND state = 'active' AND created_at = $6::timestamptz`,
      [this.consumerGroup, lease.stream, lease.shardId, owner, checkpoint, lease.createdAt],
    );
    return (rowCount ?? 0) > 0;
  }

  /** A drained closed shard: its children may start now. */
  async finish(lease: Pick<Lease, 'stream' | 'shardId' | 'createdAt'>, owner: string): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `UPDATE consumer_leases SET checkpoint = '${SHARD_END}', state = 'finished', owner = NULL, counter = counter + 1,
              expires_at = '-infinity', millis_behind_latest = NULL, updated_at = now()
        WHERE consumer_group = $1 AND stream = $2 AND shard_id = $3 AND owner = $4 AND state = 'active' AND created_at = $5::timestamptz`,
      [this.consumerGroup, lease.stream, lease.shardId, owner, lease.createdAt],
    );
    return (rowCount ?? 0) > 0;
  }

  /** Gives a lease up at once (graceful stop), so another worker need not wait for it to expire. */
  async release(stream: string, shardId: string, owner: string): Promise<void> {
    await this.pool.query(
      `UPDATE consumer_leases SET owner = NULL, counter = counter + 1, expires_at = '-infinity', updated_at = now()
        WHERE consumer_group = $1 AND stream = $2 AND shard_id = $3 AND owner = $4`,
      [this.consumerGroup, stream, shardId, owner],
    );
  }

  /**
   * Checks that the group's leases on `stream` belong to the stream Kinesis has now (created at
   * `streamCreatedAt`), and if not drops them all so the new stream is read from TRIM_HORIZON (docs/architecture.md §2). The
   * leases are stale when the recorded creation time differs, when there is no record yet but a lease is older than
   * the stream, or when a reader's rejection still holds for the lease it accuses. One transaction under the
   * stream's row lock, so of several workers noticing the same re-creation exactly one resets.
   */
  async reconcileStream(stream: string, streamCreatedAt: Date, rejections: LeaseRejection[] = []): Promise<StreamReset | null> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const inserted = await client.query(
        `INSERT INTO consumer_streams (consumer_group, stream, stream_created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
        [this.consumerGroup, stream, streamCreatedAt],
      );
      const { rows: [known] } = await client.query<{ stream_created_at: Date; oldest: Date | null }>(
        `SELECT s.stream_created_at,
                (SELECT min(l.created_at) FROM consumer_leases l WHERE l.consumer_group = s.consumer_group AND l.stream = s.stream) AS oldest
           FROM consumer_streams s WHERE s.consumer_group = $1 AND s.stream = $2 FOR UPDATE`,
        [this.consumerGroup, stream],
      );
      const firstRecord = (inserted.rowCount ?? 0) > 0;
      let cause: string | null = null;
      if (firstRecord && known.oldest && known.oldest < streamCreatedAt) {
        cause = 'the stream is younger than the leases';
      } else if (!firstRecord && known.stream_created_at.getTime() !== streamCreatedAt.getTime()) {
        cause = 'the stream was re-created since the leases were made';
      } else {
        for (const r of rejections) {
          const { rowCount } = await client.query(
            `SELECT 1 FROM consumer_leases WHERE consumer_group = $1 AND stream = $2 AND shard_id = $3
                AND created_at = $4::timestamptz AND ($5 = 'shard' OR checkpoint = $6)`,
            [this.consumerGroup, stream, r.shardId, r.leaseCreatedAt, r.kind, r.checkpoint],
          );
          if (rowCount) {
            cause = r.kind === 'checkpoint'
              ? `Kinesis refused checkpoint ${r.checkpoint} of ${r.shardId} (${r.reason})`
              : `the stream has no shard ${r.shardId} any more (${r.reason})`;
            break;
          }
        }
      }
      if (!cause) {
        await client.query('COMMIT');
        return null;
      }
      const dropped = await client.query(`DELETE FROM consumer_leases WHERE consumer_group = $1 AND stream = $2`, [this.consumerGroup, stream]);
      await client.query(
        `UPDATE consumer_streams SET stream_created_at = $3, resets = resets + 1, reset_at = now() WHERE consumer_group = $1 AND stream = $2`,
        [this.consumerGroup, stream, streamCreatedAt],
      );
      await client.query('COMMIT');
      return {
        stream,
        cause,
        leasesDropped: dropped.rowCount ?? 0,
        oldestLeaseCreatedAt: known.oldest,
        previousStreamCreatedAt: firstRecord ? null : known.stream_created_at,
        streamCreatedAt,
      };
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }
}

/** A reader's proof that a lease does not belong to the stream that now carries the name. */
export interface LeaseRejection {
  shardId: string;
  /** The lease row the reader held; a lease re-made since is not accused. */
  leaseCreatedAt: string;
  /** `checkpoint`: Kinesis refused the checkpoint (it came from another stream); `shard`: the stream has no such shard. */
  kind: 'checkpoint' | 'shard';
  checkpoint: string;
  reason: string;
}

export interface StreamReset {
  stream: string;
  cause: string;
  leasesDropped: number;
  oldestLeaseCreatedAt: Date | null;
  previousStreamCreatedAt: Date | null;
  streamCreatedAt: Date;
}

export function leaseKey(stream: string, shardId: string): string {
  return `${stream}/${shardId}`;
}

/** Kinesis sequence numbers are decimal strings of up to 128 bits: compare them as numbers. */
export function compareSequence(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
