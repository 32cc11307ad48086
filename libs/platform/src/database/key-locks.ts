/** What runs the lock statement: a TypeORM EntityManager or DataSource. */
export interface LockRunner {
  query(sql: string, parameters?: unknown[]): Promise<unknown>;
}

/**
 * Takes a transaction-scoped advisory lock on each `namespace:key` (held to commit), also for rows that do not exist
 * yet. Many keys are locked in one statement in hash order, the order every caller uses, so two transactions that
 * lock overlapping sets never deadlock.
 */
export async function lockKeys(db: LockRunner, namespace: string, keys: readonly string[]): Promise<void> {
  if (keys.length === 0) return;
  await db.query(
    `SELECT pg_advisory_xact_lock(h) FROM (
       SELECT DISTINCT hashtextextended($1 || ':' || k, 0) AS h FROM unnest($2::text[]) AS k ORDER BY 1) locks`,
    [namespace, [...keys]],
  );
}
