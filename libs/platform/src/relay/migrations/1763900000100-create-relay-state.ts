import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What the active relay tells every other process (GET /ops/relay works in processes without the relay role):
 * the mode it runs in, who holds the relay lock, and when it last had a record confirmed by Kinesis.
 */
export class CreateRelayState1763900000100 implements MigrationInterface {
  name = 'CreateRelayState1763900000100';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE relay_state (
        id                smallint PRIMARY KEY DEFAULT 1 CHECK (id = 1),
        mode              text NOT NULL,
        holder            text NOT NULL,
        started_at        timestamptz NOT NULL DEFAULT now(),
        last_published_at timestamptz
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE relay_state`);
  }
}
