import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Wakes a polling relay when an event-log insert commits (NOTIFY is delivered at commit, once per channel
 * and payload per transaction), so polling mode publishes without waiting for its tick. Only where the
 * relay must poll because the database cannot replicate logically (wal_level below `logical`): NOTIFY
 * serialises the commits of notifying transactions, a cost WAL mode, which streams commits anyway, need
 * not pay. A lost notification costs one polling tick (docs/adr/0012-wake-on-publish.md).
 */
export class NotifyRelayOnCommit1763900000050 implements MigrationInterface {
  name = 'NotifyRelayOnCommit1763900000050';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE FUNCTION event_log_notify_relay() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF current_setting('wal_level') <> 'logical' THEN
          PERFORM pg_notify('eda_event_log_appended', TG_TABLE_SCHEMA);
        END IF;
        RETURN NULL;
      END $$`);
    await db.query(`
      CREATE TRIGGER event_log_notify_relay AFTER INSERT ON event_log
        FOR EACH STATEMENT EXECUTE FUNCTION event_log_notify_relay()`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TRIGGER IF EXISTS event_log_notify_relay ON event_log`);
    await db.query(`DROP FUNCTION IF EXISTS event_log_notify_relay()`);
  }
}
