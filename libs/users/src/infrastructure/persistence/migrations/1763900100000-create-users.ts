import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateUsers1763900100000 implements MigrationInterface {
  name = 'CreateUsers1763900100000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE users (
        id          uuid PRIMARY KEY,
        email       text NOT NULL,
        username    text NOT NULL,
        first_name  text NOT NULL,
        last_name   text NOT NULL,
        status      text NOT NULL CHECK (status IN ('ACTIVE', 'DEACTIVATED')),
        version     integer NOT NULL,
        created_at  timestamptz NOT NULL,
        updated_at  timestamptz NOT NULL,
        CONSTRAINT users_email_key UNIQUE (email),
        CONSTRAINT users_username_key UNIQUE (username)
      )`);
    // Read model of the organizations a user belongs to, fed by organizations' events.
    await db.query(`
      CREATE TABLE user_memberships (
        user_id           uuid NOT NULL,
        organization_id   uuid NOT NULL,
        organization_name text NOT NULL,
        role              text NOT NULL,
        last_event_id     text NOT NULL,
        PRIMARY KEY (user_id, organization_id)
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE user_memberships`);
    await db.query(`DROP TABLE users`);
  }
}
