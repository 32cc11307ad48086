import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Keys external producers present to POST /events. Only a SHA-256 of the key is kept: keys are 256-bit
 * random secrets, so a fast hash is enough and lets the lookup use the unique index.
 */
export class CreateProducerKeys1764000000500 implements MigrationInterface {
  name = 'CreateProducerKeys1764000000500';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE producer_keys (
        id              uuid PRIMARY KEY,
        key_hash        text NOT NULL UNIQUE,
        allowed_sources text[] NOT NULL CHECK (cardinality(allowed_sources) > 0),
        description     text,
        created_at      timestamptz NOT NULL DEFAULT now(),
        revoked_at      timestamptz
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE producer_keys`);
  }
}
