import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateOrders1763900400000 implements MigrationInterface {
  name = 'CreateOrders1763900400000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE orders (
        id                uuid PRIMARY KEY,
        user_id           uuid NOT NULL,
        organization_id   uuid NOT NULL,
        items             jsonb NOT NULL,
        total_cents       bigint NOT NULL CHECK (total_cents >= 0),
        status            text NOT NULL CHECK (status IN ('PENDING', 'APPROVED', 'REJECTED', 'CANCELLING', 'CANCELLED')),
        rejection_reason  text CHECK (rejection_reason IN ('CUSTOMER_NOT_ELIGIBLE', 'UNKNOWN_PRODUCT', 'OUT_OF_STOCK', 'CREDIT_LIMIT_EXCEEDED', 'TIMEOUT')),
        version           integer NOT NULL,
        placed_at         timestamptz NOT NULL,
        updated_at        timestamptz NOT NULL
      )`);
    // Idempotency-Key of POST /orders: the unique key makes two concurrent requests with one key place one order.
    await db.query(`
      CREATE TABLE idempotency_keys (
        key           text PRIMARY KEY,
        request_hash  text NOT NULL,
        order_id      uuid NOT NULL,
        created_at    timestamptz NOT NULL
      )`);
    // Read models fed by other contexts' events; each row records the last event applied to it.
    await db.query(`
      CREATE TABLE product_prices (
        sku            text PRIMARY KEY,
        price_cents    bigint NOT NULL,
        last_event_id  text NOT NULL
      )`);
    await db.query(`
      CREATE TABLE user_names (
        user_id        uuid PRIMARY KEY,
        name           text NOT NULL,
        last_event_id  text NOT NULL
      )`);
    await db.query(`
      CREATE TABLE organization_names (
        organization_id  uuid PRIMARY KEY,
        name             text NOT NULL,
        last_event_id    text NOT NULL
      )`);
    // GET /orders: fed by orders' own events from the stream; names are joined from the two read models above.
    await db.query(`
      CREATE TABLE order_summaries (
        order_id         uuid PRIMARY KEY,
        user_id          uuid NOT NULL,
        organization_id  uuid NOT NULL,
        total_cents      bigint NOT NULL,
        status           text NOT NULL,
        placed_at        timestamptz NOT NULL,
        last_event_id    text NOT NULL
      )`);
    await db.query(`CREATE INDEX order_summaries_placed_idx ON order_summaries (placed_at DESC, order_id DESC)`);
    await db.query(`CREATE INDEX order_summaries_user_idx ON order_summaries (user_id, placed_at DESC, order_id DESC)`);
    await db.query(`CREATE INDEX order_summaries_organization_idx ON order_summaries (organization_id, placed_at DESC, order_id DESC)`);
  }

  async down(db: QueryRunner): Promise<void> {
    for (const table of ['order_summaries', 'organization_names', 'user_names', 'product_prices', 'idempotency_keys', 'orders']) {
      await db.query(`DROP TABLE ${table}`);
    }
  }
}
