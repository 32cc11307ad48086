import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The relay publishes `envelope::text`: jsonb printed by PostgreSQL, which may be far longer than the JSON
 * that was sent (1e308 becomes 309 digits; `": "` and `", "` separators). Kinesis refuses a record whose
 * data and partition key exceed 1 MiB, so every row must fit as printed, with room for the key twice and the
 * KPL aggregate's framing (64 bytes; see publishedRecordBytes in cloud-event.ts). Checked here, every writer
 * is held to it in the INSERT itself. NOT VALID: rows written before are not re-checked (a migration must not
 * fail on history); the relay deals with those as it does today.
 */
export class LimitEventLogToPublishableSize1763900000030 implements MigrationInterface {
  name = 'LimitEventLogToPublishableSize1763900000030';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE event_log ADD CONSTRAINT event_log_publishable_size
        CHECK (octet_length(envelope::text) + 2 * octet_length(partition_key) + 64 <= 1048576) NOT VALID`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE event_log DROP CONSTRAINT IF EXISTS event_log_publishable_size`);
  }
}
