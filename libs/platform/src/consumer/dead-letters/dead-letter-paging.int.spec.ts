import { Pool } from 'pg';
import { DataSource } from 'typeorm';
import { createTestDatabase, queryWork, TestDatabase } from '@eda/platform/testing';
import { CreateDeadLetters1764100000001 } from '../migrations/1764100000001-create-dead-letters';
import { IndexParkedDeadLettersForPaging1765300000200 } from '../migrations/1765300000200-index-parked-dead-letters-for-paging';
import { DeadLetterListFilter, deadLetterListQuery, DeadLetterStore } from './dead-letter-store';

const GROUP = 'eda';
/** The console's page (50) plus the row that tells of a next page. */
const PAGE = 50;
/** Of the table's 31,200 rows: a few pages at most, whatever the filter; the letters resolved long ago never. */
const MAX_ROWS_READ = 1000;
/** Partial indexes of parked letters (migrations 1764100000001 and 1765300000200). */
const PARKED_INDEXES = ['dead_letters_parked_idx', 'dead_letters_parked_handler_idx', 'dead_letters_parked_partition_key_idx', 'dead_letters_key_idx'];

/**
 * The console stays fast with 10,000 dead letters (issue 12): each page of GET /ops/dead-letters reads a partial
 * index of parked letters, stopped by LIMIT, whatever else the table holds (letters resolved long ago, another
 * group's). Proven on the executed plan (indexes used, rows read), not on the clock.
 */
describe('DeadLetterStore paging over 10,000 parked letters', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let pool: Pool;

  beforeAll(async () => {
    db = await createTestDatabase();
    ds = new DataSource({ type: 'postgres', url: db.url, migrations: [CreateDeadLetters1764100000001, IndexParkedDeadLettersForPaging1765300000200] });
    await ds.initialize();
    await ds.runMigrations();
    await ds.destroy();
    pool = new Pool({ connectionString: db.url, max: 2 });
    // 20,000 letters resolved long ago, then 11,200 parked: one in ten of another group, so 10,080 of this one;
    // 8 handlers, 2,000 keys.
    await pool.query(
      `INSERT INTO dead_letters (consumer_group, handler, stream, shard_id, sequence_number, partition_key, type, event, error, attempts, status)
       SELECT CASE WHEN i > 20000 AND i % 10 = 0 THEN 'other' ELSE $1 END,
              'handler-' || (i % 8), 'stream', 'shard-0', i::text, 'key-' || (i % 2000), 'demo.Event',
              jsonb_build_object('n', i), 'failed', 3, CASE WHEN i <= 20000 THEN 'resolved' ELSE 'parked' END
         FROM generate_series(1, 31200) AS i`,
      [GROUP],
    );
    await pool.query('ANALYZE dead_letters');
    expect((await pool.query(`SELECT count(*)::int AS n FROM dead_letters WHERE consumer_group = $1 AND status = 'parked'`, [GROUP])).rows[0].n).toBe(10_080);
  }, 120_000);
  afterAll(async () => {
    await pool.end();
    await db.drop();
  });

  const work = (filter: DeadLetterListFilter) => {
    const { sql, params } = deadLetterListQuery(GROUP, filter);
    return queryWork((text, values) => pool.query(text, values), sql, params);
  };

  it('reads a few pages at most, from partial indexes of parked letters, for each filter the console sends', async () => {
    const filters: DeadLetterListFilter[] = [
      { status: 'parked', limit: PAGE },
      { status: 'parked', limit: PAGE, cursor: '28000' },
      { status: 'parked', handler: 'handler-3', limit: PAGE },
      { status: 'parked', handler: 'handler-3', limit: PAGE, cursor: '30003' },
      { status: 'parked', partitionKey: 'key-17', limit: PAGE },
      { status: 'parked', handler: 'handler-1', partitionKey: 'key-17', limit: PAGE },
    ];
    for (const filter of filters) {
      const w = await work(filter);
      expect({ filter, nodes: w.nodes }).toEqual({ filter, nodes: expect.not.arrayContaining(['Seq Scan']) });
      expect(w.indexes.length).toBeGreaterThan(0);
      for (const index of w.indexes) expect(PARKED_INDEXES).toContain(index);
      expect(w.rowsRead).toBeLessThanOrEqual(MAX_ROWS_READ);
      // A sort only ever orders the few letters of one key, never a page's worth of the table.
      if (w.nodes.includes('Sort')) expect(w.rowsRead).toBeLessThanOrEqual(PAGE);
    }
  });

  it('pages through one key and one handler in id order without gap or overlap', async () => {
    const store = new DeadLetterStore(pool, GROUP);
    const key = await store.list({ status: 'parked', partitionKey: 'key-17', limit: 50 });
    expect(key.items.map((l) => l.sequenceNumber)).toEqual(['20017', '22017', '24017', '26017', '28017', '30017']);
    const first = await store.list({ status: 'parked', handler: 'handler-3', limit: 50 });
    const second = await store.list({ status: 'parked', handler: 'handler-3', limit: 50, cursor: first.nextCursor! });
    const both = await store.list({ status: 'parked', handler: 'handler-3', limit: 100 });
    expect([...first.items, ...second.items].map((l) => l.id)).toEqual(both.items.map((l) => l.id));
    expect(both.items.every((l) => l.handler === 'handler-3' && l.status === 'parked')).toBe(true);
  });
});
