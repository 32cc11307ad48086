import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * GET /events pages by (tx_id, position) below the snapshot's xmin instead of by recorded_at: its filters'
 * indexes follow (event_log_tx_idx already serves the unfiltered read).
 */
export class IndexEventLogFiltersByTransaction1763900000040 implements MigrationInterface {
  name = 'IndexEventLogFiltersByTransaction1763900000040';

  async up(db: QueryRunner): Promise<void> {
    for (const column of ['type', 'subject', 'source']) {
      await db.query(`DROP INDEX IF EXISTS event_log_${column}_idx`);
      await db.query(`CREATE INDEX IF NOT EXISTS event_log_${column}_tx_idx ON event_log (${column}, tx_id, position)`);
    }
  }

  async down(db: QueryRunner): Promise<void> {
    for (const column of ['type', 'subject', 'source']) {
      await db.query(`DROP INDEX IF EXISTS event_log_${column}_tx_idx`);
      await db.query(`CREATE INDEX IF NOT EXISTS event_log_${column}_idx ON event_log (${column}, recorded_at)`);
    }
  }
}
