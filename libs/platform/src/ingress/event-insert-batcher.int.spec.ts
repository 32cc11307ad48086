import { randomUUID } from 'node:crypto';
import { Client, Pool } from 'pg';
import type { QueryRunner } from 'typeorm';
import { contextStoreMigrations } from '../context-store-migrations';
import { isPublishableSizeViolation } from '../event-log/event-log.errors';
import { createTestDatabase, TestDatabase } from '../testing';
import { EventInsertBatcher, EventRow } from './event-insert-batcher';

describe('EventInsertBatcher (group commit of POST /events)', () => {
  let db: TestDatabase;
  let pool: Pool;
  let statements: string[];
  let batcher: EventInsertBatcher;

  beforeAll(async () => {
    db = await createTestDatabase();
    const sql = new Client({ connectionString: db.url });
    await sql.connect();
    await sql.query('CREATE SCHEMA platform; SET search_path TO platform');
    for (const Migration of contextStoreMigrations) await new Migration().up(sql as unknown as QueryRunner);
    await sql.end();
    pool = new Pool({ connectionString: db.url, max: 4 });
    // Every statement the batcher sends, by name.
    const query = pool.query.bind(pool) as (...args: unknown[]) => Promise<unknown>;
    (pool as unknown as { query: typeof query }).query = (...args) => {
      const config = args[0] as { name?: string };
      if (config.name) statements.push(config.name);
      return query(...args);
    };
  });
  beforeEach(() => {
    statements = [];
    batcher = new EventInsertBatcher(() => pool, { maxInFlight: 2, maxRows: 64, maxCharacters: 4 * 1024 * 1024 });
  });
  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  const row = (overrides: Partial<EventRow> = {}): EventRow => {
    const id = overrides.id ?? randomUUID();
    const event = { specversion: '1.0', id, source: 'com.acme', type: 'com.acme.Thing', data: { n: 1 } };
    return {
      id,
      source: 'com.acme',
      type: 'com.acme.Thing',
      subject: null,
      partitionKey: id,
      stream: 'platform-events',
      time: '2025-01-31T12:00:00Z',
      json: JSON.stringify(event),
      contentHash: `hash-${id}`,
      ...overrides,
    };
  };
  const stored = async (ids: string[]) =>
    (await pool.query<{ id: string; position: string; partition_key: string }>(`SELECT id, position, partition_key FROM platform.event_log WHERE id = ANY($1) ORDER BY position`, [ids])).rows;

  it('writes what arrives together in few statements, each row once, a key\'s rows in the order they came', async () => {
    const keys = ['k1', 'k2', 'k3', 'k4', 'k5'];
    const rows = Array.from({ length: 200 }, (_, i) => row({ partitionKey: keys[i % keys.length], id: `ordered-${i}-${randomUUID()}` }));

    const outcomes = await Promise.all(rows.map((r) => batcher.insert(r)));

    expect(outcomes).toEqual(rows.map(() => 'inserted'));
    const written = await stored(rows.map((r) => r.id));
    expect(written).toHaveLength(200);
    for (const key of keys) {
      const arrival = rows.filter((r) => r.partitionKey === key).map((r) => r.id);
      expect(written.filter((w) => w.partition_key === key).map((w) => w.id)).toEqual(arrival);
    }
    // 200 rows, at most 64 a statement: 4 statements would do; one per row would be 200.
    expect(statements.length).toBeLessThanOrEqual(8);
    expect(statements.every((name) => name === 'eda_event_bus_ingest_many')).toBe(true);
    // Each row got its own envelope (they travel together as one JSON array).
    const { rows: envelopes } = await pool.query(`SELECT id, envelope FROM platform.event_log WHERE id = ANY($1)`, [rows.map((r) => r.id)]);
    const sent = new Map(rows.map((r) => [r.id, JSON.parse(r.json)]));
    for (const { id, envelope } of envelopes) expect(envelope).toEqual(sent.get(id));
  });

  it('puts no more envelope text in one statement than it may: large events leave in several', async () => {
    batcher = new EventInsertBatcher(() => pool, { maxInFlight: 2, maxRows: 64, maxCharacters: 1024 * 1024 });
    const large = Array.from({ length: 10 }, () => row({ json: JSON.stringify({ specversion: '1.0', data: 'x'.repeat(300_000) }) }));

    expect(await Promise.all(large.map((r) => batcher.insert(r)))).toEqual(large.map(() => 'inserted'));

    // 1 MiB a statement holds three of them: four statements, none over the limit.
    expect(statements).toHaveLength(4);
    expect(await stored(large.map((r) => r.id))).toHaveLength(10);
  });

  it('sends a lone row at once as the one-row statement', async () => {
    const lone = row();
    expect(await batcher.insert(lone)).toBe('inserted');
    expect(statements).toEqual(['eda_event_bus_ingest']);
  });

  it('tells each row of a batch whether it was new, also when the same event comes twice in one burst', async () => {
    const earlier = row();
    await batcher.insert(earlier);
    const fresh = row();
    const twice = row();
    statements = [];

    const outcomes = await Promise.all([fresh, earlier, twice, { ...twice }].map((r) => batcher.insert(r)));

    expect(outcomes).toEqual(['inserted', 'exists', 'inserted', 'exists']);
    expect(await stored([fresh.id, earlier.id, twice.id])).toHaveLength(3);
    // The second copy of `twice` waited for a statement of its own: one statement never holds an event twice.
    expect(statements.length).toBe(2);
  });

  it('gives every row of a refused batch its own answer: the oversized event fails alone, the others are stored', async () => {
    const good = [row(), row(), row()];
    const huge = row({ json: JSON.stringify({ specversion: '1.0', data: 'x'.repeat(1024 * 1024 + 10) }) });
    const unstorableTime = row({ time: '300000-01-01T00:00:00Z' });

    const settled = await Promise.allSettled([good[0], huge, good[1], unstorableTime, good[2]].map((r) => batcher.insert(r)));

    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'rejected', 'fulfilled']);
    expect(isPublishableSizeViolation((settled[1] as PromiseRejectedResult).reason)).toBe(true);
    expect((settled[3] as PromiseRejectedResult).reason).toMatchObject({ code: expect.stringMatching(/^22/) });
    expect((await stored(good.map((r) => r.id))).map((w) => w.id).sort()).toEqual(good.map((r) => r.id).sort());
    expect(await stored([huge.id, unstorableTime.id])).toEqual([]);
    // One batch refused as a whole, then each of its five rows alone.
    expect(statements).toEqual(['eda_event_bus_ingest_many', ...Array(5).fill('eda_event_bus_ingest')]);
  });

  it('keeps a key\'s order when its batch is refused and its rows go one by one', async () => {
    const ofKey = Array.from({ length: 6 }, () => row({ partitionKey: 'refused-key' }));
    const huge = row({ partitionKey: 'refused-key', json: JSON.stringify({ data: 'x'.repeat(1024 * 1024 + 10) }) });

    const settled = await Promise.allSettled([...ofKey.slice(0, 3), huge, ...ofKey.slice(3)].map((r) => batcher.insert(r)));

    expect(settled.filter((s) => s.status === 'rejected')).toHaveLength(1);
    expect((await stored(ofKey.map((r) => r.id))).map((w) => w.id)).toEqual(ofKey.map((r) => r.id));
  });

  it('keeps each key in order when two processes batch the same keys at once', async () => {
    const other = new EventInsertBatcher(() => pool, { maxInFlight: 2, maxRows: 64, maxCharacters: 4 * 1024 * 1024 });
    const keys = ['shared-a', 'shared-b', 'shared-c'];
    const mine = Array.from({ length: 90 }, (_, i) => row({ partitionKey: keys[i % 3], id: `mine-${i}-${randomUUID()}` }));
    const theirs = Array.from({ length: 90 }, (_, i) => row({ partitionKey: keys[(i + 1) % 3], id: `theirs-${i}-${randomUUID()}` }));

    // Batches over the same keys in different orders: the locks are taken in one order, so neither waits forever.
    await Promise.all([...mine.map((r) => batcher.insert(r)), ...theirs.map((r) => other.insert(r))]);

    const written = await stored([...mine, ...theirs].map((r) => r.id));
    expect(written).toHaveLength(180);
    for (const key of keys) {
      const ofKey = written.filter((w) => w.partition_key === key).map((w) => w.id);
      expect(ofKey.filter((id) => id.startsWith('mine-'))).toEqual(mine.filter((r) => r.partitionKey === key).map((r) => r.id));
      expect(ofKey.filter((id) => id.startsWith('theirs-'))).toEqual(theirs.filter((r) => r.partitionKey === key).map((r) => r.id));
    }
  });
});
