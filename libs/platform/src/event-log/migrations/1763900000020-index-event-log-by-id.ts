import type { MigrationInterface, QueryRunner } from 'typeorm';

/** GET /events/:id looks events up by CloudEvent id alone; the (source, id) key cannot serve that. */
export class IndexEventLogById1763900000020 implements MigrationInterface {
  name = 'IndexEventLogById1763900000020';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`CREATE INDEX IF NOT EXISTS event_log_id_idx ON event_log (id)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX IF EXISTS event_log_id_idx`);
  }
}
