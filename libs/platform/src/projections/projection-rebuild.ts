import type { DataSource } from 'typeorm';
import { ident } from '../sql/ident';
import type { UnitOfWork } from '../database/unit-of-work';
import { applyEvents, lockProjection, Projection } from './projection';

const PAGE = 500;

/**
 * Rebuilds a projection from its source's event log (docs/architecture.md §3.10) in one transaction of the owning
 * context's role: the platform role reads the source log, in one snapshot, (it may read every context's event_log and
 * nothing else), the context's role writes its own tables. The exclusive lock waits out live deliveries
 * (they take it shared), then every replayed event id goes into the inbox under the projection's handler
 * name: a live redelivery of a replayed event is a duplicate (no double), an event committed after the
 * replay is not in the inbox and is applied live (no gap). Each page is applied as a consumer's batch is.
 */
export async function rebuildProjection(uow: UnitOfWork, platform: DataSource, projection: Projection): Promise<{ replayed: number }> {
  return uow.run(async (tx) => {
    await lockProjection(tx.manager, projection.name, 'exclusive');
    await projection.store.reset(tx.manager);
    await tx.manager.query(`DELETE FROM ${ident(uow.context)}.inbox WHERE handler = $1`, [projection.name]);
    // One snapshot for every page: if it holds a key's event it holds every earlier one of that key, so
    // whatever it misses arrives live after what it replayed, in order.
    const reader = platform.createQueryRunner();
    await reader.connect();
    try {
      await reader.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      let after = '0';
      let replayed = 0;
      for (;;) {
        const rows: Array<{ position: string; envelope: { id: string; type: string; source: string; data: unknown } }> = await reader.query(
          `SELECT position, envelope FROM ${ident(projection.source)}.event_log WHERE type = ANY($1) AND position > $2 ORDER BY position LIMIT ${PAGE}`,
          [projection.types, after],
        );
        const events = rows.map((r) => r.envelope);
        await applyEvents(projection, tx.manager, events);
        await tx.manager.query(
          `INSERT INTO ${ident(uow.context)}.inbox (handler, message_id, source, type)
           SELECT $1, e.id, e.source, e.type FROM unnest($2::text[], $3::text[], $4::text[]) AS e(id, source, type)
           ON CONFLICT DO NOTHING`,
          [projection.name, events.map((e) => e.id), events.map((e) => e.source), events.map((e) => e.type)],
        );
        replayed += rows.length;
        if (rows.length < PAGE) return { replayed };
        after = rows[rows.length - 1].position;
      }
    } finally {
      await reader.query('ROLLBACK').catch(() => undefined);
      await reader.release();
    }
  });
}
