import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The saga instances of a context that runs sagas (in its own schema: the saga's effects commit with its row). */
export class CreateSagaInstances1764300000000 implements MigrationInterface {
  name = 'CreateSagaInstances1764300000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE saga_instances (
        id          uuid PRIMARY KEY,
        saga_type   text NOT NULL,
        status      text NOT NULL CHECK (status IN ('RUNNING', 'COMPENSATING', 'COMPLETED', 'COMPENSATED')),
        step        text NOT NULL,
        state       jsonb NOT NULL,
        version     integer NOT NULL,
        deadline    timestamptz,
        history     jsonb NOT NULL DEFAULT '[]'::jsonb,
        created_at  timestamptz NOT NULL,
        updated_at  timestamptz NOT NULL
      )`);
    // The scheduler's scan: only rows that wait for something carry a deadline.
    await db.query(`CREATE INDEX saga_instances_deadline_idx ON saga_instances (deadline) WHERE deadline IS NOT NULL`);
    await db.query(`CREATE INDEX saga_instances_status_idx ON saga_instances (status, created_at)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE saga_instances`);
  }
}
