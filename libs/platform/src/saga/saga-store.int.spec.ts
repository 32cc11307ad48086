import { DataSource } from 'typeorm';
import { randomUUID } from 'node:crypto';
import { createTestDatabase, TestDatabase } from '@eda/platform/testing';
import { ConcurrencyConflictError } from '../ddd/domain-error';
import { CreateSagaInstances1764300000000 } from './migrations/1764300000000-create-saga-instances';
import { SagaStore } from './saga-store';

/** The generic saga table on real PostgreSQL: versioned advances, history, due rows shared with SKIP LOCKED, filters. */
describe('SagaStore', () => {
  let db: TestDatabase;
  let ds: DataSource;
  const t0 = new Date('2026-01-01T00:00:00Z');
  const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000);

  beforeAll(async () => {
    db = await createTestDatabase();
    ds = new DataSource({ type: 'postgres', url: db.url, migrations: [CreateSagaInstances1764300000000], extra: { max: 4 } });
    await ds.initialize();
    await ds.runMigrations();
  });
  afterAll(async () => {
    await ds.destroy();
    await db.drop();
  });

  const start = (deadline: Date | null, sagaType = 'demo', now = t0) =>
    new SagaStore(ds.manager).start({ id: randomUUID(), sagaType, status: 'RUNNING', step: 'ONE', state: { n: 1 }, deadline }, now);

  it('advances on the version read, appends a history entry per new step, and refuses a stale version', async () => {
    const store = new SagaStore(ds.manager);
    const first = await start(at(30));
    expect(first).toMatchObject({ version: 1, history: [{ step: 'ONE', at: t0.toISOString() }] });
    const second = await store.advance(first, { status: 'RUNNING', step: 'TWO', state: { n: 2 }, deadline: at(60) }, at(5));
    const third = await store.advance(second, { status: 'COMPLETED', step: 'TWO', state: { n: 3 }, deadline: null }, at(6));
    expect(third).toMatchObject({ version: 3, status: 'COMPLETED', state: { n: 3 }, deadline: null });
    expect(third.history.map((h) => h.step)).toEqual(['ONE', 'TWO']);
    await expect(store.advance(second, { status: 'RUNNING', step: 'X', state: { n: 0 }, deadline: null }, at(7))).rejects.toBeInstanceOf(ConcurrencyConflictError);
    expect(await store.find(first.id)).toMatchObject({ version: 3, step: 'TWO' });
  });

  it('hands a due row to one of two concurrent claimers and skips rows not yet due or of another type', async () => {
    const due = await start(at(-1), 'claim-test');
    await start(at(3600), 'claim-test');
    await start(at(-1), 'other-type');
    const claim = () =>
      ds.transaction(async (manager) => {
        const claimed = await new SagaStore(manager).claimDue('claim-test', t0, []);
        // Hold the lock a moment so the other claimer meets it.
        await manager.query('SELECT pg_sleep(0.2)');
        return claimed?.id ?? null;
      });
    const results = await Promise.all([claim(), claim()]);
    expect(results.filter((id) => id !== null)).toEqual([due.id]);
    expect(await ds.transaction((m) => new SagaStore(m).claimDue('claim-test', t0, [due.id]))).toBeNull();
  });

  it('lists by status and age, and counts by status', async () => {
    const old = await start(null, 'list-test', at(-600));
    await start(null, 'list-test', t0);
    const store = new SagaStore(ds.manager);
    const olderThan5Minutes = await store.list({ status: 'RUNNING', olderThanSeconds: 300, limit: 100 }, t0);
    expect(olderThan5Minutes.map((s) => s.id)).toEqual([old.id]);
    expect(await store.list({ status: 'COMPENSATED', limit: 100 }, t0)).toEqual([]);
    expect((await store.countByStatus()).get('RUNNING')).toBeGreaterThanOrEqual(2);
  });
});
