import type { EntityManager } from 'typeorm';
import { applyEvents, defineProjection, evolveRows, ProjectedEvent, ProjectionStore } from './projection';

/** A membership-like read model: one row per (member, team); a rename touches every row of its team. */
interface Seat {
  member: string;
  team: string;
  teamName: string;
  lastEventId: string;
}

/** The store contract over a Map, counting its calls: the table a projection would leave, without a database. */
function memoryStore(): ProjectionStore<Seat> & { table: Map<string, Seat>; calls: Record<string, number> } {
  const table = new Map<string, Seat>();
  const calls: Record<string, number> = { loadMany: 0, upsertMany: 0, deleteMany: 0 };
  const id = (s: Partial<Seat>) => `${s.member}/${s.team}`;
  const matches = (row: Seat, key: Partial<Seat>) => Object.entries(key).every(([f, v]) => row[f as keyof Seat] === v);
  return {
    table,
    calls,
    primaryKey: ['member', 'team'],
    async loadMany(_, keys) {
      calls.loadMany++;
      return [...table.values()].filter((row) => keys.some((key) => matches(row, key))).map((row) => ({ ...row }));
    },
    async upsertMany(_, rows) {
      calls.upsertMany++;
      for (const row of rows) table.set(id(row), { ...row });
    },
    async deleteMany(_, keys) {
      calls.deleteMany++;
      for (const key of keys) table.delete(id(key));
    },
    async reset() {
      table.clear();
    },
  };
}

const seats = (store: ProjectionStore<Seat>) =>
  defineProjection<Seat>({
    name: 'teams.seats',
    context: 'teams',
    types: ['clubs.Joined', 'clubs.Left', 'clubs.Renamed'],
    key: (e) => {
      const data = e.data as { member?: string; team: string };
      return e.type === 'clubs.Renamed' ? { team: data.team } : { member: data.member, team: data.team };
    },
    evolve: (row, e) => {
      const data = e.data as { member: string; team: string; name: string };
      switch (e.type) {
        case 'clubs.Joined':
          return { member: data.member, team: data.team, teamName: data.name, lastEventId: e.id };
        case 'clubs.Left':
          return null;
        case 'clubs.Renamed':
          return row && { ...row, teamName: data.name, lastEventId: e.id };
        default:
          return row;
      }
    },
    store,
  });

/** A reproducible mixed history: joins, leaves (also of seats never taken), renames, over a few members and teams. */
function history(length: number, seed: number): ProjectedEvent[] {
  let state = seed;
  const next = (n: number) => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return (state >>> 16) % n;
  };
  return Array.from({ length }, (_, i) => {
    const team = `t${next(3)}`;
    const member = `m${next(5)}`;
    const type = ['clubs.Joined', 'clubs.Joined', 'clubs.Left', 'clubs.Renamed'][next(4)];
    return { id: `e${i}`, type, data: { team, member, name: `${team}-name-${i}` } };
  });
}

const manager = {} as EntityManager;
const sorted = (table: Map<string, Seat>) => [...table.entries()].sort(([a], [b]) => a.localeCompare(b));

describe('projection building block', () => {
  it.each([1, 7, 42, 2026])('leaves the same rows whether the events are applied one by one or as one batch (history %i)', async (seed) => {
    const events = history(200, seed);
    const oneByOne = memoryStore();
    for (const event of events) await applyEvents(seats(oneByOne), manager, [event]);
    const batched = memoryStore();
    await applyEvents(seats(batched), manager, events);

    expect(sorted(batched.table)).toEqual(sorted(oneByOne.table));
    // The history exercised a rename of seats that existed (the fan-out case), not only joins.
    const renames = new Set(events.filter((e) => e.type === 'clubs.Renamed').map((e) => e.id));
    expect([...oneByOne.table.values()].some((seat) => renames.has(seat.lastEventId))).toBe(true);
    // The batch read once and wrote once (rows that ended deleted: one delete).
    expect(batched.calls.loadMany).toBe(1);
    expect(batched.calls.upsertMany).toBeLessThanOrEqual(1);
    expect(batched.calls.deleteMany).toBeLessThanOrEqual(1);
  });

  it('gives the same rows for a batch that starts from stored rows as for those events one by one', async () => {
    const [before, after] = [history(60, 3), history(80, 5).map((e) => ({ ...e, id: `late-${e.id}` }))];
    const oneByOne = memoryStore();
    const batched = memoryStore();
    for (const store of [oneByOne, batched]) await applyEvents(seats(store), manager, before);
    for (const event of after) await applyEvents(seats(oneByOne), manager, [event]);
    await applyEvents(seats(batched), manager, after);
    expect(sorted(batched.table)).toEqual(sorted(oneByOne.table));
  });

  it('renames every stored seat of a team, including one the same batch created, and creates nothing from a rename alone', () => {
    const projection = seats(memoryStore());
    const stored: Seat = { member: 'm1', team: 't1', teamName: 'Old', lastEventId: 'e0' };
    const { upserts, deletes } = evolveRows(projection, [stored], [
      { id: 'e1', type: 'clubs.Joined', data: { member: 'm2', team: 't1', name: 'Old' } },
      { id: 'e2', type: 'clubs.Renamed', data: { team: 't1', name: 'New' } },
      { id: 'e3', type: 'clubs.Renamed', data: { team: 't9', name: 'Nobody' } },
    ]);
    expect(upserts.sort((a, b) => a.member.localeCompare(b.member))).toEqual([
      { member: 'm1', team: 't1', teamName: 'New', lastEventId: 'e2' },
      { member: 'm2', team: 't1', teamName: 'New', lastEventId: 'e2' },
    ]);
    expect(deletes).toEqual([]);
  });

  it('deletes only stored rows: a seat taken and left in one batch writes nothing', () => {
    const projection = seats(memoryStore());
    const stored: Seat = { member: 'm1', team: 't1', teamName: 'A', lastEventId: 'e0' };
    const { upserts, deletes } = evolveRows(projection, [stored], [
      { id: 'e1', type: 'clubs.Joined', data: { member: 'm2', team: 't1', name: 'A' } },
      { id: 'e2', type: 'clubs.Left', data: { member: 'm2', team: 't1' } },
      { id: 'e3', type: 'clubs.Left', data: { member: 'm1', team: 't1' } },
    ]);
    expect(upserts).toEqual([]);
    expect(deletes).toEqual([{ member: 'm1', team: 't1' }]);
  });

  it('reads nothing for an event whose key misses a field: never every row', async () => {
    const store = memoryStore();
    store.table.set('m1/t1', { member: 'm1', team: 't1', teamName: 'A', lastEventId: 'e0' });
    await applyEvents(seats(store), manager, [{ id: 'e1', type: 'clubs.Renamed', data: { name: 'X' } }]);
    expect(store.calls.loadMany).toBe(0);
    expect(store.table.get('m1/t1')!.teamName).toBe('A');
  });

  it('refuses an evolve that moves a row to another key', () => {
    const projection = { ...seats(memoryStore()), evolve: (row: Seat | null) => row && { ...row, team: 'elsewhere' } };
    expect(() => evolveRows(projection, [{ member: 'm1', team: 't1', teamName: 'A', lastEventId: 'e0' }], [{ id: 'e1', type: 'clubs.Renamed', data: { team: 't1', name: 'B' } }])).toThrow(
      /moved row/,
    );
  });

  it('is declared with one source and a <context>.<name> name', () => {
    const declaration = { name: 'teams.seats', context: 'teams', key: () => null, evolve: (row: Seat | null) => row, store: memoryStore() };
    expect(defineProjection({ ...declaration, types: ['clubs.Joined', 'clubs.Left'] }).source).toBe('clubs');
    expect(() => defineProjection({ ...declaration, types: ['clubs.Joined', 'users.UserRegistered'] })).toThrow(/2 sources/);
    expect(() => defineProjection({ ...declaration, name: 'seats', types: ['clubs.Joined'] })).toThrow(/<context>\.<name>/);
  });
});
