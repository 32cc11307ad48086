import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Messages a handler could not apply after its attempts, and every later message of the same partition key
 * for that handler (parked behind them so the key's order holds). `event` is null for a poison record,
 * whose bytes are kept in `raw`. Status: parked → resolved (retried and applied) or discarded.
 */
export class CreateDeadLetters1764100000001 implements MigrationInterface {
  name = 'CreateDeadLetters1764100000001';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE dead_letters (
        id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        consumer_group  text NOT NULL,
        handler         text NOT NULL,
        stream          text NOT NULL,
        shard_id        text NOT NULL,
        sequence_number text NOT NULL,
        sub_sequence    int NOT NULL DEFAULT 0,
        partition_key   text NOT NULL,
        message_id      text,
        type            text,
        event           jsonb,
        raw             text,
        error           text NOT NULL,
        attempts        int NOT NULL,
        status          text NOT NULL DEFAULT 'parked' CHECK (status IN ('parked', 'resolved', 'discarded')),
        parked_at       timestamptz NOT NULL DEFAULT now(),
        updated_at      timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`CREATE INDEX dead_letters_key_idx ON dead_letters (consumer_group, handler, partition_key, id) WHERE status = 'parked'`);
    await db.query(`CREATE INDEX dead_letters_handler_idx ON dead_letters (handler, id)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE dead_letters`);
  }
}
