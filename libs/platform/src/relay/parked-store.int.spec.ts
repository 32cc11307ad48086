import { KEY_PARKED, RECORD_TOO_LARGE } from './ordered-publisher';
import { ParkedStore } from './parked-store';
import type { RelayRecord } from './relay-record';
import { useRelayWorld } from '../testing/relay-test-kit';

/** platform.relay_parked as the relay writes it: a record parked twice (delivered twice) keeps its place and its cause. */
describe('ParkedStore (real PostgreSQL)', () => {
  const kit = useRelayWorld('all');
  let store: ParkedStore;

  beforeAll(() => {
    store = new ParkedStore(kit.pool('platform', 2));
  });

  const record = (key: string, position: number): RelayRecord => ({
    schema: 'users',
    position: String(position),
    stream: 'users-events',
    partitionKey: key,
    data: JSON.stringify({ id: `${key}-${position}` }),
  });
  const rowsOf = async (key: string) =>
    (await store.list({ partitionKey: key, limit: 100 })).items.map((r) => [r.position, r.errorCode, r.status]);

  it('a head parked again only as "behind its head" (a duplicate delivery) keeps its id, cause and status', async () => {
    await store.park([
      { record: record('dup', 1), code: RECORD_TOO_LARGE, message: 'too large' },
      { record: record('dup', 2), code: KEY_PARKED, message: 'behind' },
    ]);
    const [head] = (await store.list({ partitionKey: 'dup', limit: 10 })).items;
    await store.park([{ record: record('dup', 1), code: KEY_PARKED, message: 'behind' }, { record: record('dup', 2), code: KEY_PARKED, message: 'behind' }]);
    expect(await rowsOf('dup')).toEqual([['1', RECORD_TOO_LARGE, 'parked'], ['2', KEY_PARKED, 'parked']]);
    expect((await store.list({ partitionKey: 'dup', limit: 10 })).items[0].id).toBe(head.id);

    // Discarded and published rows stay so when delivered again.
    expect(await store.act(head.id, 'discard')).toMatchObject({ outcome: 'done' });
    const [, follower] = (await store.list({ partitionKey: 'dup', limit: 10 })).items;
    await store.markPublished([follower.id]);
    await store.park([{ record: record('dup', 1), code: KEY_PARKED, message: 'behind' }, { record: record('dup', 2), code: KEY_PARKED, message: 'behind' }]);
    expect(await rowsOf('dup')).toEqual([['1', RECORD_TOO_LARGE, 'discarded'], ['2', KEY_PARKED, 'published']]);
  });

  it('a retry refused again parks its rows again with the new cause, so the key waits for an operator once more', async () => {
    await store.park([
      { record: record('again', 11), code: 'ValidationException', message: 'first' },
      { record: record('again', 12), code: KEY_PARKED, message: 'behind' },
    ]);
    const [head] = (await store.list({ partitionKey: 'again', limit: 10 })).items;
    expect(await store.act(head.id, 'retry')).toMatchObject({ outcome: 'done' });
    expect(await rowsOf('again')).toEqual([['11', 'ValidationException', 'retrying'], ['12', KEY_PARKED, 'retrying']]);
    await store.park([
      { record: record('again', 11), code: RECORD_TOO_LARGE, message: 'second' },
      { record: record('again', 12), code: KEY_PARKED, message: 'behind' },
    ]);
    expect(await rowsOf('again')).toEqual([['11', RECORD_TOO_LARGE, 'parked'], ['12', KEY_PARKED, 'parked']]);
  });

  it('lists a key\'s rows in the order they were parked, also where ids gain a digit (bigints, not text)', async () => {
    // The key's ids cross a power of ten: the next ones are …95 to …06.
    const owner = kit.pool('owner', 1);
    const { rows: [{ last }] } = await owner.query(`SELECT coalesce(max(id), 0) AS last FROM platform.relay_parked`);
    let power = 100;
    while (power - 6 <= Number(last)) power *= 10;
    await owner.query(`SELECT setval(pg_get_serial_sequence('platform.relay_parked', 'id'), $1)`, [power - 6]);
    for (let i = 0; i < 12; i++) await store.park([{ record: record('many', 100 + i), code: i === 0 ? RECORD_TOO_LARGE : KEY_PARKED, message: 'm' }]);
    expect((await store.list({ partitionKey: 'many', limit: 100 })).items.map((r) => r.position)).toEqual(Array.from({ length: 12 }, (_, i) => String(100 + i)));
    // Paging by cursor walks the same order without repeating a row.
    const first = await store.list({ partitionKey: 'many', limit: 5 });
    const second = await store.list({ partitionKey: 'many', limit: 5, cursor: first.nextCursor! });
    expect([...first.items, ...second.items].map((r) => r.position)).toEqual(Array.from({ length: 10 }, (_, i) => String(100 + i)));
  });
});
