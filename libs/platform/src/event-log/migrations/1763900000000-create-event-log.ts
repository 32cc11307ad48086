import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The event log (transactional outbox) of one schema. Every context has one in its own schema, written in
 * the same transaction as its state; the platform schema's holds what external producers POST.
 * Insert-only and kept: the relay only stamps `published_at`. `tx_id` lets the polling relay read in
 * commit order (rows become visible in commit order, not id order).
 */
export class CreateEventLog1763900000000 implements MigrationInterface {
  name = 'CreateEventLog1763900000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE event_log (
        position      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        id            text NOT NULL,
        source        text NOT NULL,
        type          text NOT NULL,
        subject       text,
        partition_key text NOT NULL,
        stream        text NOT NULL,
        time          timestamptz NOT NULL,
        envelope      jsonb NOT NULL,
        content_hash  text NOT NULL,
        tx_id         xid8 NOT NULL DEFAULT pg_current_xact_id(),
        recorded_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
        published_at  timestamptz,
        CONSTRAINT event_log_source_id_key UNIQUE (source, id)
      )`);
    await db.query(`CREATE INDEX event_log_recorded_idx ON event_log (recorded_at, id)`);
    await db.query(`CREATE INDEX event_log_type_idx ON event_log (type, recorded_at)`);
    await db.query(`CREATE INDEX event_log_subject_idx ON event_log (subject, recorded_at)`);
    await db.query(`CREATE INDEX event_log_source_idx ON event_log (source, recorded_at)`);
    await db.query(`CREATE INDEX event_log_tx_idx ON event_log (tx_id, position)`);
    await db.query(`CREATE INDEX event_log_unpublished_idx ON event_log (position) WHERE published_at IS NULL`);
    await db.query(`
      CREATE FUNCTION event_log_insert_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'DELETE' THEN RAISE EXCEPTION 'the event log is insert-only'; END IF;
        IF (to_jsonb(NEW) - 'published_at') IS DISTINCT FROM (to_jsonb(OLD) - 'published_at') THEN
          RAISE EXCEPTION 'the event log is insert-only: only published_at may change';
        END IF;
        RETURN NEW;
      END $$`);
    await db.query(`
      CREATE TRIGGER event_log_insert_only BEFORE UPDATE OR DELETE ON event_log
      FOR EACH ROW EXECUTE FUNCTION event_log_insert_only()`);
    await db.query(`
      DO $$ BEGIN
        IF current_setting('eda.platform_role', true) IS NOT NULL AND current_setting('eda.platform_role', true) <> current_user THEN
          EXECUTE format('GRANT SELECT, UPDATE (published_at) ON event_log TO %I', current_setting('eda.platform_role'));
        END IF;
      END $$`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE event_log`);
    await db.query(`DROP FUNCTION event_log_insert_only()`);
  }
}
