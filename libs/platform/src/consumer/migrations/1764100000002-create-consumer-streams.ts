import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Which incarnation of each stream a consumer group's leases belong to (docs/architecture.md §2, ADR 0004): the stream's
 * creation timestamp as Kinesis reported it when the leases were made. A stream whose timestamp differs (deleted
 * and re-created, or a local engine that lost its data) makes the group drop that stream's leases and start
 * over from TRIM_HORIZON; `reset_at`/`resets` tell operators it happened.
 */
export class CreateConsumerStreams1764100000002 implements MigrationInterface {
  name = 'CreateConsumerStreams1764100000002';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE consumer_streams (
        consumer_group    text NOT NULL,
        stream            text NOT NULL,
        stream_created_at timestamptz NOT NULL,
        resets            int NOT NULL DEFAULT 0,
        reset_at          timestamptz,
        PRIMARY KEY (consumer_group, stream)
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE consumer_streams`);
  }
}
