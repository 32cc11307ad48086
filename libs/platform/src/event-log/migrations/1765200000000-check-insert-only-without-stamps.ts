import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Every column of the event log but `published_at`: an UPDATE that sets one of them is checked. */
const CHECKED_COLUMNS = 'position, id, source, type, subject, partition_key, stream, time, envelope, content_hash, tx_id, recorded_at';

/**
 * The insert-only check compared each updated row as JSON (`to_jsonb(NEW)` against `to_jsonb(OLD)`, envelope and
 * all), so the relay's stamp of `published_at` cost a PL/pgSQL call and two row conversions per row: about a third
 * of a 10,000-row stamp. The check now fires only for an UPDATE that names another column (`UPDATE OF`, decided
 * from the statement, not per row); deletes are refused as before. What may change is unchanged.
 */
export class CheckInsertOnlyWithoutStamps1765200000000 implements MigrationInterface {
  name = 'CheckInsertOnlyWithoutStamps1765200000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`DROP TRIGGER event_log_insert_only ON event_log`);
    await db.query(`CREATE TRIGGER event_log_insert_only BEFORE DELETE ON event_log FOR EACH ROW EXECUTE FUNCTION event_log_insert_only()`);
    await db.query(`
      CREATE TRIGGER event_log_insert_only_update BEFORE UPDATE OF ${CHECKED_COLUMNS} ON event_log
      FOR EACH ROW EXECUTE FUNCTION event_log_insert_only()`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TRIGGER event_log_insert_only_update ON event_log`);
    await db.query(`DROP TRIGGER event_log_insert_only ON event_log`);
    await db.query(`CREATE TRIGGER event_log_insert_only BEFORE UPDATE OR DELETE ON event_log FOR EACH ROW EXECUTE FUNCTION event_log_insert_only()`);
  }
}
