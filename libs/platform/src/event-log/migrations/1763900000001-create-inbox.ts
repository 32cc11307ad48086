import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The inbox of one context: a handler's delivery of a message is applied in the same transaction that
 * inserts (handler, message id) here, so a redelivered message is recognised and applied only once.
 */
export class CreateInbox1763900000001 implements MigrationInterface {
  name = 'CreateInbox1763900000001';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE inbox (
        handler      text NOT NULL,
        message_id   text NOT NULL,
        source       text NOT NULL,
        type         text NOT NULL,
        processed_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (handler, source, message_id)
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE inbox`);
  }
}
