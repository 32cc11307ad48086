import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The operations console pages parked dead letters by id, filtered by handler, by partition key, or neither
 * (GET /ops/dead-letters), and reads a saga's parked replies by key (GET /ops/sagas/:id): one partial index of
 * parked letters per shape, so a page never walks the letters resolved long ago. The consumer group is left to
 * a filter: a database has one group or a few, and with it leading the planner preferred the primary key.
 */
export class IndexParkedDeadLettersForPaging1765300000200 implements MigrationInterface {
  name = 'IndexParkedDeadLettersForPaging1765300000200';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`CREATE INDEX IF NOT EXISTS dead_letters_parked_idx ON dead_letters (id) WHERE status = 'parked'`);
    await db.query(`CREATE INDEX IF NOT EXISTS dead_letters_parked_handler_idx ON dead_letters (handler, id) WHERE status = 'parked'`);
    await db.query(`CREATE INDEX IF NOT EXISTS dead_letters_parked_partition_key_idx ON dead_letters (partition_key, id) WHERE status = 'parked'`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX IF EXISTS dead_letters_parked_partition_key_idx`);
    await db.query(`DROP INDEX IF EXISTS dead_letters_parked_handler_idx`);
    await db.query(`DROP INDEX IF EXISTS dead_letters_parked_idx`);
  }
}
