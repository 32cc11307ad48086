import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Processes serving POST /events keep the live producer keys in memory (docs/adr/0019-ingress-fast-path.md).
 * Whoever changes a key — the CLI revoking it, an operator's UPDATE in psql — tells them at commit through
 * NOTIFY, with the key's id: they drop it at once instead of waiting for their periodic reload. Keys change
 * rarely, so the commit-order lock NOTIFY takes costs nothing that matters here.
 */
export class NotifyProducerKeyChanges1765100000000 implements MigrationInterface {
  name = 'NotifyProducerKeyChanges1765100000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE FUNCTION producer_keys_notify() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_LEVEL = 'STATEMENT' THEN
          PERFORM pg_notify('eda_producer_keys_changed', '*');
        ELSIF TG_OP = 'DELETE' THEN
          PERFORM pg_notify('eda_producer_keys_changed', OLD.id::text);
        ELSE
          PERFORM pg_notify('eda_producer_keys_changed', NEW.id::text);
        END IF;
        RETURN NULL;
      END $$`);
    await db.query(`
      CREATE TRIGGER producer_keys_notify AFTER INSERT OR UPDATE OR DELETE ON producer_keys
        FOR EACH ROW EXECUTE FUNCTION producer_keys_notify()`);
    await db.query(`
      CREATE TRIGGER producer_keys_notify_truncate AFTER TRUNCATE ON producer_keys
        FOR EACH STATEMENT EXECUTE FUNCTION producer_keys_notify()`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TRIGGER IF EXISTS producer_keys_notify_truncate ON producer_keys`);
    await db.query(`DROP TRIGGER IF EXISTS producer_keys_notify ON producer_keys`);
    await db.query(`DROP FUNCTION IF EXISTS producer_keys_notify()`);
  }
}
