import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Event-log rows Kinesis refuses for good (too large, invalid, a KMS key that cannot be used), and the later
 * rows of the same stream and partition key parked behind them so the key's order holds (the event log itself
 * stays insert-only). One row per event-log row (`source_schema`, `position`); `id` orders a key's rows.
 * Status: parked → retrying (an operator asked; the active relay sends the key again) → published, or discarded.
 */
export class CreateRelayParked1764200000900 implements MigrationInterface {
  name = 'CreateRelayParked1764200000900';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE relay_parked (
        id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        stream        text NOT NULL,
        source_schema text NOT NULL,
        position      bigint NOT NULL,
        event_id      text,
        partition_key text NOT NULL,
        error_code    text NOT NULL,
        error_message text NOT NULL,
        status        text NOT NULL DEFAULT 'parked' CHECK (status IN ('parked', 'retrying', 'published', 'discarded')),
        parked_at     timestamptz NOT NULL DEFAULT now(),
        updated_at    timestamptz NOT NULL DEFAULT now(),
        UNIQUE (source_schema, position)
      )`);
    await db.query(`CREATE INDEX relay_parked_open_idx ON relay_parked (stream, partition_key, id) WHERE status IN ('parked', 'retrying')`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE relay_parked`);
  }
}
