import type { EntityManager } from 'typeorm';

/** Idempotency keys of POST /orders, in the caller's transaction. */
export class IdempotencyKeyRepository {
  constructor(private readonly manager: EntityManager) {}

  /**
   * Takes the key for `orderId`, or returns who holds it. A concurrent request with the same key waits on
   * the unique index until the first commits (then sees its row) or rolls back (then takes the key).
   */
  async claim(key: string, requestHash: string, orderId: string, now: Date): Promise<{ claimed: true } | { claimed: false; requestHash: string; orderId: string }> {
    const inserted = await this.manager.query(
      `INSERT INTO idempotency_keys (key, request_hash, order_id, created_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (key) DO NOTHING RETURNING key`,
      [key, requestHash, orderId, now],
    );
    if (inserted.length === 1) return { claimed: true };
    const rows: Array<{ request_hash: string; order_id: string }> = await this.manager.query(
      `SELECT request_hash, order_id FROM idempotency_keys WHERE key = $1`,
      [key],
    );
    return { claimed: false, requestHash: rows[0].request_hash, orderId: rows[0].order_id };
  }
}
