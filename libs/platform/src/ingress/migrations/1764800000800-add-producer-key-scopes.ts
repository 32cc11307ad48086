import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What a producer key may do (ADR 0008): `publish` (POST /events, for its sources) and/or `read`
 * (GET /events). Keys issued before scopes existed could only publish, so they get `publish`. A read-only
 * key needs no source; a publishing key still needs one.
 */
export class AddProducerKeyScopes1764800000800 implements MigrationInterface {
  name = 'AddProducerKeyScopes1764800000800';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE producer_keys ADD COLUMN scopes text[] NOT NULL DEFAULT '{publish}'`);
    await db.query(`ALTER TABLE producer_keys ALTER COLUMN scopes DROP DEFAULT`);
    await db.query(`ALTER TABLE producer_keys ADD CONSTRAINT producer_keys_scopes_check
      CHECK (cardinality(scopes) > 0 AND scopes <@ ARRAY['publish', 'read']::text[])`);
    await db.query(`ALTER TABLE producer_keys DROP CONSTRAINT producer_keys_allowed_sources_check`);
    await db.query(`ALTER TABLE producer_keys ADD CONSTRAINT producer_keys_publish_sources_check
      CHECK (NOT ('publish' = ANY (scopes)) OR cardinality(allowed_sources) > 0)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DELETE FROM producer_keys WHERE NOT ('publish' = ANY (scopes))`);
    await db.query(`ALTER TABLE producer_keys DROP CONSTRAINT producer_keys_publish_sources_check`);
    await db.query(`ALTER TABLE producer_keys ADD CONSTRAINT producer_keys_allowed_sources_check CHECK (cardinality(allowed_sources) > 0)`);
    await db.query(`ALTER TABLE producer_keys DROP COLUMN scopes`);
  }
}
