import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The operations console shows a saga's events and commands by correlation id (GET /ops/sagas/:id): an
 * index on the envelope's `correlationid` keeps that a lookup however long the log grows.
 */
export class IndexEventLogByCorrelation1764900000900 implements MigrationInterface {
  name = 'IndexEventLogByCorrelation1764900000900';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`CREATE INDEX IF NOT EXISTS event_log_correlation_idx ON event_log ((envelope->>'correlationid'), recorded_at)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX IF EXISTS event_log_correlation_idx`);
  }
}
