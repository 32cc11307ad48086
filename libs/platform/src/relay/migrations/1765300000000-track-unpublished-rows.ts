import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What the relay still owes Kinesis moves out of the event log into a narrow table beside it
 * (docs/adr/0021-unpublished-rows-table.md). Stamping `published_at` rewrote every published row — a new row version
 * with its envelope and an entry in each of the log's ten indexes, about 0.9 s for 10,000 rows — while deleting the
 * same rows from `event_log_unpublished` (position and time only, one index) takes about 40 ms. A statement-level
 * trigger fills it from whatever inserts into the log (the appender, POST /events, a migration), so no writer can
 * forget it. The event log becomes strictly insert-only: no column of it changes after the insert.
 */
export class TrackUnpublishedRows1765300000000 implements MigrationInterface {
  name = 'TrackUnpublishedRows1765300000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE event_log_unpublished (
        position    bigint PRIMARY KEY,
        recorded_at timestamptz NOT NULL
      )`);
    await db.query(`INSERT INTO event_log_unpublished (position, recorded_at) SELECT position, recorded_at FROM event_log WHERE published_at IS NULL`);
    // The search path is fixed at creation (this schema), so the trigger writes beside the log whoever inserts.
    await db.query(`
      CREATE FUNCTION event_log_track_unpublished() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
      BEGIN
        INSERT INTO event_log_unpublished (position, recorded_at) SELECT position, recorded_at FROM appended;
        RETURN NULL;
      END $$`);
    await db.query(`
      CREATE TRIGGER event_log_track_unpublished AFTER INSERT ON event_log
        REFERENCING NEW TABLE AS appended FOR EACH STATEMENT EXECUTE FUNCTION event_log_track_unpublished()`);
    await db.query(`DROP INDEX IF EXISTS event_log_unpublished_idx`);
    // Nothing may change a row any more: one check per statement, refused before any row is touched.
    await db.query(`DROP TRIGGER IF EXISTS event_log_insert_only_update ON event_log`);
    await db.query(`DROP TRIGGER IF EXISTS event_log_insert_only ON event_log`);
    await db.query(`
      CREATE OR REPLACE FUNCTION event_log_insert_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'the event log is insert-only';
      END $$`);
    await db.query(`CREATE TRIGGER event_log_insert_only BEFORE UPDATE OR DELETE ON event_log FOR EACH STATEMENT EXECUTE FUNCTION event_log_insert_only()`);
    await db.query(`ALTER TABLE event_log DROP COLUMN published_at`);
    await db.query(`
      DO $$ BEGIN
        IF current_setting('eda.platform_role', true) IS NOT NULL AND current_setting('eda.platform_role', true) <> current_user THEN
          EXECUTE format('GRANT SELECT, DELETE ON event_log_unpublished TO %I', current_setting('eda.platform_role'));
        END IF;
      END $$`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE event_log ADD COLUMN published_at timestamptz`);
    await db.query(`DROP TRIGGER event_log_insert_only ON event_log`);
    await db.query(`ALTER TABLE event_log DISABLE TRIGGER USER`);
    await db.query(`UPDATE event_log e SET published_at = e.recorded_at WHERE NOT EXISTS (SELECT 1 FROM event_log_unpublished u WHERE u.position = e.position)`);
    await db.query(`ALTER TABLE event_log ENABLE TRIGGER USER`);
    await db.query(`
      CREATE OR REPLACE FUNCTION event_log_insert_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'DELETE' THEN RAISE EXCEPTION 'the event log is insert-only'; END IF;
        IF (to_jsonb(NEW) - 'published_at') IS DISTINCT FROM (to_jsonb(OLD) - 'published_at') THEN
          RAISE EXCEPTION 'the event log is insert-only: only published_at may change';
        END IF;
        RETURN NEW;
      END $$`);
    await db.query(`CREATE TRIGGER event_log_insert_only BEFORE DELETE ON event_log FOR EACH ROW EXECUTE FUNCTION event_log_insert_only()`);
    await db.query(`
      CREATE TRIGGER event_log_insert_only_update
        BEFORE UPDATE OF position, id, source, type, subject, partition_key, stream, time, envelope, content_hash, tx_id, recorded_at
        ON event_log FOR EACH ROW EXECUTE FUNCTION event_log_insert_only()`);
    await db.query(`CREATE INDEX event_log_unpublished_idx ON event_log (position) WHERE published_at IS NULL`);
    await db.query(`DROP TRIGGER event_log_track_unpublished ON event_log`);
    await db.query(`DROP FUNCTION event_log_track_unpublished()`);
    await db.query(`DROP TABLE event_log_unpublished`);
    await db.query(`
      DO $$ BEGIN
        IF current_setting('eda.platform_role', true) IS NOT NULL AND current_setting('eda.platform_role', true) <> current_user THEN
          EXECUTE format('GRANT UPDATE (published_at) ON event_log TO %I', current_setting('eda.platform_role'));
        END IF;
      END $$`);
  }
}
