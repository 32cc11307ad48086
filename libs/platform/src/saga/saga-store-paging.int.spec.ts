import type { DataSource } from 'typeorm';
import { createMigratedDataSource, queryWork } from '@eda/platform/testing';
import { sagaStoreMigrations } from './saga-storage';
import { SagaListFilter, sagaListQuery, SagaStore } from './saga-store';

const SAGAS = 100_000;
/** The console's page (50) plus the row that tells of a next page. */
const PAGE = 51;

/**
 * The console stays fast with 100,000 sagas (issue 12) because each page of GET /ops/sagas reads about its own
 * rows from an index, stopped by LIMIT — never the table. Proven on the executed plan (rows read, indexes used),
 * not on the clock, for every filter the console sends.
 */
describe('SagaStore paging over 100,000 sagas', () => {
  let ds: DataSource;
  let close: () => Promise<void>;
  const now = new Date('2026-06-01T12:00:00Z');
  let parkedIds: string[];
  let stuckCount: number;

  beforeAll(async () => {
    ({ dataSource: ds, close } = await createMigratedDataSource({ migrations: sagaStoreMigrations }));
    // One saga a second over the ~28 hours before `now`: 90 % COMPLETED, 7 % COMPENSATED, 3 % RUNNING with a
    // deadline ahead — except 10 past their deadline (the scheduler is behind on them).
    await ds.query(
      `INSERT INTO saga_instances (id, saga_type, status, step, state, version, deadline, history, created_at, updated_at)
       SELECT gen_random_uuid(), 'place-order',
              CASE WHEN i % 100 < 90 THEN 'COMPLETED' WHEN i % 100 < 97 THEN 'COMPENSATED' ELSE 'RUNNING' END,
              'STEP', jsonb_build_object('n', i), 2,
              CASE WHEN i % 100 < 97 THEN NULL WHEN i % 10000 = 99 THEN $2::timestamptz - interval '1 minute' ELSE $2::timestamptz + interval '1 hour' END,
              '[]'::jsonb, $2::timestamptz - make_interval(secs => $1 - i), $2::timestamptz - make_interval(secs => $1 - i)
         FROM generate_series(1, $1) AS i`,
      [SAGAS, now],
    );
    await ds.query('ANALYZE saga_instances');
    // Five RUNNING sagas with a participant's reply parked (their ids come from the dead letters).
    parkedIds = (await ds.query(`SELECT id FROM saga_instances WHERE status = 'RUNNING' AND deadline > $1 ORDER BY created_at DESC LIMIT 5`, [now])).map(
      (r: { id: string }) => r.id,
    );
    stuckCount = (await ds.query(`SELECT count(*)::int AS n FROM saga_instances WHERE deadline <= $1 OR id = ANY($2::uuid[])`, [now, parkedIds]))[0].n;
  }, 120_000);
  afterAll(() => close());

  const work = (filter: SagaListFilter) => {
    const { sql, params } = sagaListQuery(filter, now);
    return queryWork((text, values) => ds.query(text, values), sql, params);
  };
  const cursorAt = async (n: number, status?: string) => {
    const [row] = await ds.query(
      `SELECT created_at, id FROM saga_instances WHERE ($1::text IS NULL OR status = $1) ORDER BY created_at, id OFFSET $2 LIMIT 1`,
      [status ?? null, n],
    );
    return { createdAt: row.created_at as Date, id: row.id as string };
  };

  it('reads one page from the (created_at, id) index for the unfiltered list, first page or deep', async () => {
    for (const after of [undefined, await cursorAt(60_000)]) {
      const w = await work({ limit: PAGE, after });
      expect(w.nodes).not.toContain('Seq Scan');
      expect(w.nodes).not.toContain('Sort');
      expect(w.nodes[0]).toBe('Limit');
      expect(w.indexes).toEqual(['saga_instances_created_idx']);
      expect(w.rowsRead).toBeLessThanOrEqual(PAGE);
    }
  });

  it('reads about one page from an index for a status, with a cursor and an age', async () => {
    const filters: SagaListFilter[] = [
      { status: 'COMPLETED', limit: PAGE },
      { status: 'COMPLETED', limit: PAGE, after: await cursorAt(40_000, 'COMPLETED') },
      { status: 'RUNNING', olderThanSeconds: 3600, limit: PAGE },
      { status: 'COMPENSATED', olderThanSeconds: 600, limit: PAGE, after: await cursorAt(500, 'COMPENSATED') },
    ];
    for (const filter of filters) {
      const w = await work(filter);
      expect(w.nodes).not.toContain('Seq Scan');
      expect(w.nodes).not.toContain('Sort');
      // A status most sagas have may be read along the time index, skipping the few others: still about a page.
      expect(w.indexes).toHaveLength(1);
      expect(['saga_instances_status_created_idx', 'saga_instances_created_idx']).toContain(w.indexes[0]);
      expect(w.rowsRead).toBeLessThanOrEqual(2 * PAGE);
      if (filter.status === 'RUNNING') expect(w.indexes).toEqual(['saga_instances_status_created_idx']);
    }
    const w = await work({ olderThanSeconds: 3600, limit: PAGE });
    expect(w.indexes).toEqual(['saga_instances_created_idx']);
    expect(w.rowsRead).toBeLessThanOrEqual(PAGE);
  });

  it('reads only the stuck sagas (deadline index and parked ids) for the stuck list, not the table', async () => {
    expect(stuckCount).toBe(15);
    const w = await work({ stuck: true, parkedIds, limit: 21 });
    expect(w.nodes).not.toContain('Seq Scan');
    expect(w.indexes).toEqual(expect.arrayContaining(['saga_instances_deadline_idx']));
    expect(w.rowsRead).toBeLessThanOrEqual(stuckCount);
    const stuck = await new SagaStore(ds.manager).list({ stuck: true, parkedIds, limit: 21 }, now);
    expect(stuck).toHaveLength(stuckCount);
  });

  it('pages without gap or overlap along the keyset', async () => {
    const store = new SagaStore(ds.manager);
    const first = await store.list({ status: 'RUNNING', limit: 50 }, now);
    const second = await store.list({ status: 'RUNNING', limit: 50, after: { createdAt: first[49].createdAt, id: first[49].id } }, now);
    const both = await store.list({ status: 'RUNNING', limit: 100 }, now);
    expect([...first, ...second].map((s) => s.id)).toEqual(both.map((s) => s.id));
  });
});
