import { DataSource } from 'typeorm';
import { createTestDatabase, TestDatabase } from '@eda/platform/testing';
import { SystemClock, UuidGenerator } from '../context/clock';
import { contextStoreMigrations } from '../context-store-migrations';
import type { AppendedEvent } from '../event-log/event-log-appender';
import { EventLogAppender } from '../event-log/event-log-appender';
import { domainEvent } from '../event-log/outgoing-message';
import { UnitOfWork } from './unit-of-work';

/** runInOneStatement on real PostgreSQL: a command's new rows and its events are one statement, its own transaction. */
describe('UnitOfWork.runInOneStatement', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let uow: UnitOfWork;
  const committed: AppendedEvent[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    ds = new DataSource({ type: 'postgres', url: db.url, migrations: contextStoreMigrations, extra: { max: 2 } });
    await ds.initialize();
    await ds.runMigrations();
    await ds.query('CREATE TABLE things (id text PRIMARY KEY)');
    uow = new UnitOfWork('public', ds, new EventLogAppender(new SystemClock(), new UuidGenerator()));
    uow.onCommitted((_, events) => committed.push(...events));
  });
  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  const thing = (id: string) => ({ sql: 'INSERT INTO things (id) VALUES ($1)', params: [id] });
  const things = async (...ids: string[]) => (await ds.query(`SELECT count(*)::int AS n FROM things WHERE id = ANY($1)`, [ids]))[0].n as number;
  const logged = async (subject: string) =>
    (await ds.query(`SELECT count(*)::int AS n, count(DISTINCT tx_id)::int AS txs FROM event_log WHERE subject = $1`, [subject]))[0] as { n: number; txs: number };

  it('writes the rows and the events in one transaction, answers what the work returned and tells the listeners', async () => {
    const answer = await uow.runInOneStatement((tx) => {
      tx.insertWithEvents(thing('one-a'));
      tx.insertWithEvents(thing('one-b'));
      tx.publish(domainEvent('demo', 'Added', 'one', { n: 1 }), domainEvent('demo', 'AddedAgain', 'one', { n: 2 }));
      return 'placed';
    });
    expect(answer).toBe('placed');
    expect(await things('one-a', 'one-b')).toBe(2);
    expect(await logged('one')).toEqual({ n: 2, txs: 1 });
    // The things' rows were written by the event rows' transaction.
    const [{ same }] = await ds.query(
      `SELECT bool_and(t.xmin::text::bigint = (SELECT tx_id::text::bigint % 4294967296 FROM event_log WHERE subject = 'one' LIMIT 1)) AS same
         FROM things t WHERE id IN ('one-a', 'one-b')`,
    );
    expect(same).toBe(true);
    expect(committed.filter((e) => e.event.subject === 'one').map((e) => e.event.type)).toEqual(['demo.Added', 'demo.AddedAgain']);
  });

  it('writes nothing when a row cannot be added: no event, no other row, no listener called', async () => {
    await ds.query(`INSERT INTO things (id) VALUES ('held')`);
    const before = committed.length;
    const work = uow.runInOneStatement((tx) => {
      tx.insertWithEvents(thing('beside-held'));
      tx.insertWithEvents(thing('held'));
      tx.publish(domainEvent('demo', 'Added', 'held', { n: 1 }));
    });
    await expect(work).rejects.toMatchObject({ driverError: { code: '23505' } });
    expect(await things('beside-held')).toBe(0);
    expect(await logged('held')).toEqual({ n: 0, txs: 0 });
    expect(committed).toHaveLength(before);
  });

  it('gives the work no transaction to query in, and sends nothing of a work that throws', async () => {
    const work = uow.runInOneStatement((tx) => {
      tx.insertWithEvents(thing('queried'));
      return tx.manager;
    });
    await expect(work).rejects.toThrow(/one statement/);
    expect(await things('queried')).toBe(0);
  });
});
