import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * How far each handler of this context got on each shard, written in the same transaction as the handler's
 * inbox row and effect (docs/architecture.md §3.4). The shared lease checkpoint may lag behind it; this one never lies.
 */
export class CreateConsumerPositions1763900000010 implements MigrationInterface {
  name = 'CreateConsumerPositions1763900000010';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE consumer_positions (
        consumer_group  text NOT NULL,
        handler         text NOT NULL,
        stream          text NOT NULL,
        shard_id        text NOT NULL,
        sequence_number numeric(80, 0) NOT NULL,
        updated_at      timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (consumer_group, handler, stream, shard_id)
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE consumer_positions`);
  }
}
