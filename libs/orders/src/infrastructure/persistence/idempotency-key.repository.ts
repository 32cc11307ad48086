import type { EntityManager } from 'typeorm';
import { IdempotencyKeySchema } from './order.schema';

/** Idempotency keys of POST /orders, in the caller's transaction. */
export class IdempotencyKeyRepository {
  constructor(private readonly manager: EntityManager) {}

  /**
   * Takes the key for `orderId`, or returns who holds it. A concurrent request with the same key waits on
   * the unique index until the first commits (then sees its row) or rolls back (then takes the key).
   */
  async claim(key: string, requestHash: string, orderId: string, now: Date): Promise<{ claimed: true } | { claimed: false; requestHash: string; orderId: string }> {
    // ON CONFLICT DO NOTHING (the key is the table's only unique index) with RETURNING: a row back means ours.
    const inserted = await this.manager
      .createQueryBuilder()
      .insert()
      .into(IdempotencyKeySchema)
      .values({ key, requestHash, orderId, createdAt: now })
      .orIgnore()
      .returning(['key'])
      .execute();
    if ((inserted.raw as unknown[]).length === 1) return { claimed: true };
    const holder = await this.manager.getRepository(IdempotencyKeySchema).findOneByOrFail({ key });
    return { claimed: false, requestHash: holder.requestHash, orderId: holder.orderId };
  }
}
