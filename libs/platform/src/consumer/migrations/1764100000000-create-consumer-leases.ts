import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One lease per (consumer group, stream, shard): who reads the shard, until when, and how far the group got.
 * `counter` increases on every renewal and hand-over, so a taker's conditional update loses to a concurrent one.
 * `checkpoint` is a sequence number, or TRIM_HORIZON before the first record, or SHARD_END once a closed shard is drained.
 */
export class CreateConsumerLeases1764100000000 implements MigrationInterface {
  name = 'CreateConsumerLeases1764100000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE consumer_leases (
        consumer_group       text NOT NULL,
        stream               text NOT NULL,
        shard_id             text NOT NULL,
        owner                text,
        counter              bigint NOT NULL DEFAULT 0,
        expires_at           timestamptz NOT NULL DEFAULT '-infinity',
        checkpoint           text NOT NULL DEFAULT 'TRIM_HORIZON',
        parent_shard_ids     text[] NOT NULL DEFAULT '{}',
        state                text NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'finished')),
        millis_behind_latest bigint,
        created_at           timestamptz NOT NULL DEFAULT now(),
        updated_at           timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (consumer_group, stream, shard_id)
      )`);
    await db.query(`CREATE INDEX consumer_leases_owner_idx ON consumer_leases (consumer_group, owner)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE consumer_leases`);
  }
}
