import type { DataSource } from 'typeorm';
import { randomUUID } from 'node:crypto';
import { createMigratedDataSource } from '@eda/platform/testing';
import { ConcurrencyConflictError } from '../ddd/domain-error';
import { CreateSagaInstances1764300000000 } from './migrations/1764300000000-create-saga-instances';
import { LockedSagas, SagaStore } from './saga-store';

/** The generic saga table on real PostgreSQL: versioned advances (one or many at once), history, due rows shared with SKIP LOCKED, filters. */
describe('SagaStore', () => {
  let ds: DataSource;
  let close: () => Promise<void>;
  const t0 = new Date('2026-01-01T00:00:00Z');
  const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000);

  beforeAll(async () => {
    ({ dataSource: ds, close } = await createMigratedDataSource({ migrations: [CreateSagaInstances1764300000000] }));
  });
  afterAll(() => close());

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

  it('writes many sagas advanced in memory in one statement, as the same advances one by one would: state, version, history, deadline', async () => {
    const store = new SagaStore(ds.manager);
    const [oneByOne, otherOneByOne, atOnce, otherAtOnce] = [await start(at(30)), await start(at(30)), await start(at(30)), await start(at(30))];
    const second = { status: 'RUNNING' as const, step: 'TWO', state: { n: 2 }, deadline: at(60) };
    const third = { status: 'COMPLETED' as const, step: 'THREE', state: { n: 3, done: true }, deadline: null };
    const sameStep = { status: 'RUNNING' as const, step: 'ONE', state: { n: 5 }, deadline: at(90) };
    await store.advance(await store.advance(oneByOne, second, at(5)), third, at(6));
    await store.advance(otherOneByOne, sameStep, at(7));

    const locked = new LockedSagas([atOnce, otherAtOnce]);
    locked.advance(atOnce.id, second, at(5));
    locked.advance(atOnce.id, third, at(6));
    locked.advance(otherAtOnce.id, sameStep, at(7));
    await ds.transaction((manager) => new SagaStore(manager).advanceMany(locked.takeAdvances()));

    const row = async (id: string) => {
      const { id: _id, createdAt: _created, ...written } = (await store.find(id))!;
      return written;
    };
    expect(await row(atOnce.id)).toEqual(await row(oneByOne.id));
    expect(await row(otherAtOnce.id)).toEqual(await row(otherOneByOne.id));
    expect(await row(atOnce.id)).toMatchObject({
      status: 'COMPLETED',
      step: 'THREE',
      state: { n: 3, done: true },
      version: 3,
      deadline: null,
      updatedAt: at(6),
      history: [{ step: 'ONE', at: t0.toISOString() }, { step: 'TWO', at: at(5).toISOString() }, { step: 'THREE', at: at(6).toISOString() }],
    });
    expect(await row(otherAtOnce.id)).toMatchObject({ version: 2, deadline: at(90), state: { n: 5 }, history: [{ step: 'ONE', at: t0.toISOString() }] });
    // What it holds is now the written version: nothing more to write until it advances again.
    expect(locked.takeAdvances()).toEqual([]);
    expect(locked.get(atOnce.id)).toMatchObject({ version: 3, step: 'THREE' });
  });

  it('refuses the whole write when one saga moved since it was read: ConcurrencyConflictError, and its transaction writes nothing', async () => {
    const store = new SagaStore(ds.manager);
    const [current, moved] = [await start(at(30)), await start(at(30))];
    const locked = new LockedSagas([current, moved]);
    await store.advance(moved, { status: 'RUNNING', step: 'ELSEWHERE', state: { n: 9 }, deadline: null }, at(1));
    locked.advance(current.id, { status: 'RUNNING', step: 'TWO', state: { n: 2 }, deadline: null }, at(2));
    locked.advance(moved.id, { status: 'RUNNING', step: 'TWO', state: { n: 2 }, deadline: null }, at(2));
    const write = ds.transaction((manager) => new SagaStore(manager).advanceMany(locked.takeAdvances()));
    await expect(write).rejects.toBeInstanceOf(ConcurrencyConflictError);
    await expect(write).rejects.toThrow(moved.id);
    expect(await store.find(current.id)).toMatchObject({ version: 1, step: 'ONE', state: { n: 1 }, history: [{ step: 'ONE' }] });
    expect(await store.find(moved.id)).toMatchObject({ version: 2, step: 'ELSEWHERE', state: { n: 9 } });
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
