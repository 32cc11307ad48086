import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The operations console pages sagas oldest first by the keyset (created_at, id), with or without a status
 * (GET /ops/sagas): an index in exactly that order lets a page read only its own rows, with 100,000 sagas as
 * with ten. The status index gains `id`, so a status page and its cursor are one index range too.
 */
export class IndexSagaInstancesForPaging1765300000100 implements MigrationInterface {
  name = 'IndexSagaInstancesForPaging1765300000100';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`CREATE INDEX IF NOT EXISTS saga_instances_created_idx ON saga_instances (created_at, id)`);
    await db.query(`CREATE INDEX IF NOT EXISTS saga_instances_status_created_idx ON saga_instances (status, created_at, id)`);
    await db.query(`DROP INDEX IF EXISTS saga_instances_status_idx`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`CREATE INDEX IF NOT EXISTS saga_instances_status_idx ON saga_instances (status, created_at)`);
    await db.query(`DROP INDEX IF EXISTS saga_instances_status_created_idx`);
    await db.query(`DROP INDEX IF EXISTS saga_instances_created_idx`);
  }
}
