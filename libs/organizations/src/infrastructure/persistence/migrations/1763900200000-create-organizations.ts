import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateOrganizations1763900200000 implements MigrationInterface {
  name = 'CreateOrganizations1763900200000';

  async up(db: QueryRunner): Promise<void> {
    // The CHECK is the last line of docs/architecture.md §3.7: whatever the code does, reserved credit never exceeds the limit.
    await db.query(`
      CREATE TABLE organizations (
        id                    uuid PRIMARY KEY,
        name                  text NOT NULL,
        credit_limit_cents    bigint NOT NULL CHECK (credit_limit_cents >= 0),
        credit_reserved_cents bigint NOT NULL CHECK (credit_reserved_cents >= 0),
        version               integer NOT NULL,
        created_at            timestamptz NOT NULL,
        updated_at            timestamptz NOT NULL,
        CONSTRAINT organizations_reserved_within_limit CHECK (credit_reserved_cents <= credit_limit_cents)
      )`);
    await db.query(`
      CREATE TABLE organization_members (
        organization_id uuid NOT NULL REFERENCES organizations (id),
        user_id         uuid NOT NULL,
        role            text NOT NULL CHECK (role IN ('admin', 'member')),
        added_at        timestamptz NOT NULL,
        PRIMARY KEY (organization_id, user_id)
      )`);
    // One row per order that asked for credit, kept after the answer: repeats are answered from it.
    await db.query(`
      CREATE TABLE credit_reservations (
        order_id        text PRIMARY KEY,
        organization_id text NOT NULL,
        user_id         text NOT NULL,
        amount_cents    bigint NOT NULL CHECK (amount_cents >= 0),
        outcome         text NOT NULL CHECK (outcome IN ('RESERVED', 'REJECTED')),
        reason          text CHECK (reason IN ('CREDIT_LIMIT_EXCEEDED', 'CUSTOMER_NOT_ELIGIBLE')),
        released_at     timestamptz,
        created_at      timestamptz NOT NULL,
        CONSTRAINT credit_reservations_reason_of_rejection CHECK ((outcome = 'REJECTED') = (reason IS NOT NULL))
      )`);
    // The organizations context's own view of users (docs/architecture.md §3.9), fed by users' events.
    await db.query(`
      CREATE TABLE known_users (
        user_id       uuid PRIMARY KEY,
        username      text NOT NULL,
        first_name    text NOT NULL,
        last_name     text NOT NULL,
        active        boolean NOT NULL,
        last_event_id text NOT NULL
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE known_users`);
    await db.query(`DROP TABLE credit_reservations`);
    await db.query(`DROP TABLE organization_members`);
    await db.query(`DROP TABLE organizations`);
  }
}
