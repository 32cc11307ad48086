import type { MigrationInterface, QueryRunner } from 'typeorm';

/** STUCK: a saga that gave up on its compensation and waits for an operator (ADR 0010). */
export class AllowStuckSagas1764300000001 implements MigrationInterface {
  name = 'AllowStuckSagas1764300000001';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE saga_instances DROP CONSTRAINT saga_instances_status_check`);
    await db.query(
      `ALTER TABLE saga_instances ADD CONSTRAINT saga_instances_status_check CHECK (status IN ('RUNNING', 'COMPENSATING', 'COMPLETED', 'COMPENSATED', 'STUCK'))`,
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE saga_instances DROP CONSTRAINT saga_instances_status_check`);
    await db.query(`ALTER TABLE saga_instances ADD CONSTRAINT saga_instances_status_check CHECK (status IN ('RUNNING', 'COMPENSATING', 'COMPLETED', 'COMPENSATED'))`);
  }
}
