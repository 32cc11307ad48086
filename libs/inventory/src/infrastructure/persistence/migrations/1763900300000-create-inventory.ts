import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateInventory1763900300000 implements MigrationInterface {
  name = 'CreateInventory1763900300000';

  async up(db: QueryRunner): Promise<void> {
    // The CHECKs are the last line of docs/architecture.md §3.7: whatever the code does, stock never goes negative
    // and nothing is reserved that is not on hand.
    await db.query(`
      CREATE TABLE products (
        sku          text PRIMARY KEY,
        name         text NOT NULL,
        price_cents  bigint NOT NULL CHECK (price_cents >= 0),
        on_hand      bigint NOT NULL CHECK (on_hand >= 0),
        reserved     bigint NOT NULL CHECK (reserved >= 0),
        version      integer NOT NULL,
        created_at   timestamptz NOT NULL,
        updated_at   timestamptz NOT NULL,
        CONSTRAINT products_reserved_within_on_hand CHECK (reserved <= on_hand)
      )`);
    // One row per order that asked for stock, kept after the answer: repeats are answered from it.
    await db.query(`
      CREATE TABLE stock_reservations (
        order_id     text PRIMARY KEY,
        outcome      text NOT NULL CHECK (outcome IN ('RESERVED', 'REJECTED')),
        reason       text CHECK (reason IN ('OUT_OF_STOCK', 'UNKNOWN_PRODUCT')),
        skus         jsonb NOT NULL,
        lines        jsonb NOT NULL,
        released_at  timestamptz,
        created_at   timestamptz NOT NULL,
        CONSTRAINT stock_reservations_reason_of_rejection CHECK ((outcome = 'REJECTED') = (reason IS NOT NULL))
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE stock_reservations`);
    await db.query(`DROP TABLE products`);
  }
}
