import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { ConcurrencyConflictError } from '../ddd/domain-error';
import { createMigratedDataSource, statementsOn } from '../testing';
import { updateVersionedRows, VersionedRowsUpdate } from './versioned-rows';

const t0 = new Date('2026-01-01T00:00:00Z');
const t1 = new Date('2026-01-02T03:04:05.678Z');

type Column = 'label' | 'count' | 'due_at' | 'tags';
const COLUMNS: VersionedRowsUpdate<Column>['columns'] = { label: 'text', count: 'bigint', due_at: 'timestamptz', tags: 'jsonb' };

/** Many rows of one table written in one statement, each on the version it was read at, on real PostgreSQL. */
describe('updateVersionedRows', () => {
  let ds: DataSource;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ dataSource: ds, close } = await createMigratedDataSource({ migrations: [] }));
    await ds.query(`CREATE TABLE "things" (
      id uuid PRIMARY KEY, label text, count bigint NOT NULL, due_at timestamptz, tags jsonb, version integer NOT NULL, created_at timestamptz NOT NULL)`);
  });
  afterAll(() => close());

  const inserted = async (): Promise<string> => {
    const id = randomUUID();
    await ds.query(`INSERT INTO things VALUES ($1, 'new', 0, $2, '[]', 1, $2)`, [id, t0]);
    return id;
  };
  const row = async (id: string) =>
    (await ds.query('SELECT label, count::text AS count, due_at, tags, version, created_at FROM things WHERE id = $1', [id]))[0];
  const update = (rows: VersionedRowsUpdate<Column>['rows']): VersionedRowsUpdate<Column> => ({
    entity: 'Thing',
    table: 'things',
    key: { column: 'id', type: 'uuid' },
    columns: COLUMNS,
    rows,
  });

  it('writes every row given in one statement, as typed, each one version up; other rows and columns stay', async () => {
    const [first, second, untouched] = [await inserted(), await inserted(), await inserted()];
    const statements = await statementsOn(['things'], () =>
      updateVersionedRows(ds.manager, update([
        { key: first, version: 1, values: { label: 'first', count: 9_007_199_254_740_991, due_at: t1, tags: [['a', 1], { b: null }] } },
        { key: second, version: 1, values: { label: null, count: 0, due_at: null, tags: null } },
      ])),
    );
    expect(statements).toEqual(['UPDATE things']);
    expect(await row(first)).toEqual({ label: 'first', count: '9007199254740991', due_at: t1, tags: [['a', 1], { b: null }], version: 2, created_at: t0 });
    expect(await row(second)).toEqual({ label: null, count: '0', due_at: null, tags: null, version: 2, created_at: t0 });
    expect(await row(untouched)).toEqual({ label: 'new', count: '0', due_at: t0, tags: [], version: 1, created_at: t0 });
  });

  it('sends nothing for no rows', async () => {
    expect(await statementsOn(['things'], () => updateVersionedRows(ds.manager, update([])))).toEqual([]);
  });

  it('refuses the whole write when one row moved since it was read: ConcurrencyConflictError naming it, and its transaction writes nothing', async () => {
    const [current, moved] = [await inserted(), await inserted()];
    await ds.query(`UPDATE things SET label = 'elsewhere', version = 2 WHERE id = $1`, [moved]);
    // Keys as the caller spelt them, which PostgreSQL answers otherwise (a uuid in lower case).
    const [currentAsGiven, movedAsGiven] = [current.toUpperCase(), moved.toUpperCase()];
    const write = ds.transaction((manager) =>
      updateVersionedRows(manager, update([
        { key: currentAsGiven, version: 1, values: { label: 'mine', count: 1, due_at: t1, tags: [] } },
        { key: movedAsGiven, version: 1, values: { label: 'mine', count: 1, due_at: t1, tags: [] } },
      ])),
    );
    await expect(write).rejects.toBeInstanceOf(ConcurrencyConflictError);
    await expect(write).rejects.toThrow(`Thing ${movedAsGiven} was changed concurrently`);
    expect(await row(current)).toMatchObject({ label: 'new', count: '0', due_at: t0, version: 1 });
    expect(await row(moved)).toMatchObject({ label: 'elsewhere', version: 2 });
  });

  it('refuses a row given twice, before sending anything', async () => {
    const id = await inserted();
    const twice = { key: id, version: 1, values: { label: 'x', count: 1, due_at: t1, tags: [] } };
    await expect(updateVersionedRows(ds.manager, update([twice, twice]))).rejects.toThrow('a Thing is given twice');
    expect(await row(id)).toMatchObject({ label: 'new', version: 1 });
  });
});
