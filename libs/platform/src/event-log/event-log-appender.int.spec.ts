import { DataSource } from 'typeorm';
import { createTestDatabase, TestDatabase } from '@eda/platform/testing';
import { SystemClock, UuidGenerator } from '../context/clock';
import { UnitOfWork } from '../database/unit-of-work';
import { MAX_EVENT_BYTES } from './cloud-event';
import { contextStoreMigrations } from '../context-store-migrations';
import { EventLogAppender } from './event-log-appender';
import { EventTooLargeError } from './event-log.errors';
import { domainEvent } from './outgoing-message';

/** A context's unit of work on real PostgreSQL: the size that counts is the envelope as the relay will publish it. */
describe('EventLogAppender in a unit of work', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let uow: UnitOfWork;

  beforeAll(async () => {
    db = await createTestDatabase();
    ds = new DataSource({ type: 'postgres', url: db.url, migrations: contextStoreMigrations, extra: { max: 2 } });
    await ds.initialize();
    await ds.runMigrations();
    await ds.query('CREATE TABLE things (id text PRIMARY KEY)');
    uow = new UnitOfWork('public', ds, new EventLogAppender(new SystemClock(), new UuidGenerator()));
  });
  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  const count = async (table: string, id: string) =>
    (await ds.query(`SELECT count(*)::int AS n FROM ${table} WHERE ${table === 'things' ? 'id' : 'subject'} = $1`, [id]))[0].n as number;

  it('refuses an event that outgrows the limit only as stored (1e308 printed in full) and rolls the whole unit of work back', async () => {
    const data = { numbers: Array(6000).fill(1e308) };
    expect(Buffer.byteLength(JSON.stringify(data))).toBeLessThan(50_000);
    const work = uow.run(async (tx) => {
      await tx.manager.query('INSERT INTO things (id) VALUES ($1)', ['big']);
      tx.publish(domainEvent('demo', 'Small', 'big', { ok: true }), domainEvent('demo', 'Huge', 'big', data));
    });
    await expect(work).rejects.toBeInstanceOf(EventTooLargeError);
    expect(await count('things', 'big')).toBe(0);
    expect(await count('event_log', 'big')).toBe(0);
  });

  it('refuses an event over the limit as serialised before it reaches the database', async () => {
    const work = uow.run(async (tx) => {
      await tx.manager.query('INSERT INTO things (id) VALUES ($1)', ['long']);
      tx.publish(domainEvent('demo', 'Long', 'long', 'x'.repeat(MAX_EVENT_BYTES)));
    });
    await expect(work).rejects.toBeInstanceOf(EventTooLargeError);
    expect(await count('things', 'long')).toBe(0);
  });

  it('appends an event of many large numbers that still fits as published', async () => {
    await uow.run(async (tx) => {
      await tx.manager.query('INSERT INTO things (id) VALUES ($1)', ['fits']);
      tx.publish(domainEvent('demo', 'Numbers', 'fits', { numbers: Array(3000).fill(1e308) }));
    });
    expect(await count('things', 'fits')).toBe(1);
    const [{ n }] = await ds.query(`SELECT octet_length(envelope::text) AS n FROM event_log WHERE subject = 'fits'`);
    expect(n).toBeGreaterThan(900_000);
  });
});
