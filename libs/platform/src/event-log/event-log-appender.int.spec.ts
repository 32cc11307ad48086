import type { DataSource } from 'typeorm';
import { createMigratedDataSource } from '@eda/platform/testing';
import { SystemClock, UuidGenerator } from '../context/clock';
import { UnitOfWork } from '../database/unit-of-work';
import { MAX_EVENT_BYTES } from './cloud-event';
import { contextStoreMigrations } from '../context-store-migrations';
import { AppendedEvent, EventLogAppender } from './event-log-appender';
import { EventTooLargeError } from './event-log.errors';
import { domainEvent } from './outgoing-message';

/** A context's unit of work on real PostgreSQL: the size that counts is the envelope as the relay will publish it. */
describe('EventLogAppender in a unit of work', () => {
  let ds: DataSource;
  let close: () => Promise<void>;
  let uow: UnitOfWork;

  beforeAll(async () => {
    ({ dataSource: ds, close } = await createMigratedDataSource({ migrations: contextStoreMigrations }));
    await ds.query('CREATE TABLE things (id text PRIMARY KEY)');
    uow = new UnitOfWork('public', ds, new EventLogAppender(new SystemClock(), new UuidGenerator()));
  });
  afterAll(() => close?.());

  const thing = (id: string) => ({ sql: 'INSERT INTO things (id) VALUES ($1)', params: [id] });
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

  describe('rows added with the events (TransactionScope.insertWithEvents)', () => {
    it('commits them with the events, after reads of the same transaction', async () => {
      await uow.run(async (tx) => {
        await tx.manager.query('SELECT 1');
        tx.insertWithEvents(thing('with-1'));
        tx.insertWithEvents(thing('with-2'));
        tx.publish(domainEvent('demo', 'Added', 'with-1', { n: 1 }), domainEvent('demo', 'Added', 'with-2', { n: 2 }));
      });
      expect(await count('things', 'with-1')).toBe(1);
      expect(await count('things', 'with-2')).toBe(1);
      expect(await count('event_log', 'with-1')).toBe(1);
      expect(await count('event_log', 'with-2')).toBe(1);
      const [{ n }] = await ds.query(`SELECT count(*)::int AS n FROM event_log_unpublished u JOIN event_log e USING (position) WHERE e.subject IN ('with-1', 'with-2')`);
      expect(n).toBe(2);
    });

    it('commits them alone when the work publishes nothing', async () => {
      await uow.run(async (tx) => tx.insertWithEvents(thing('alone')));
      expect(await count('things', 'alone')).toBe(1);
    });

    it('commits nothing when one of them fails: the events and the earlier writes roll back with it', async () => {
      await ds.query(`INSERT INTO things (id) VALUES ('taken')`);
      const work = uow.run(async (tx) => {
        await tx.manager.query('INSERT INTO things (id) VALUES ($1)', ['before-taken']);
        tx.insertWithEvents(thing('beside-taken'));
        tx.insertWithEvents(thing('taken'));
        tx.publish(domainEvent('demo', 'Added', 'beside-taken', { n: 1 }));
      });
      await expect(work).rejects.toMatchObject({ driverError: { code: '23505' } });
      expect(await count('things', 'before-taken')).toBe(0);
      expect(await count('things', 'beside-taken')).toBe(0);
      expect(await count('event_log', 'beside-taken')).toBe(0);
    });

    it('commits none of them when an event is refused as published', async () => {
      const work = uow.run(async (tx) => {
        tx.insertWithEvents(thing('beside-huge'));
        tx.publish(domainEvent('demo', 'Huge', 'beside-huge', { numbers: Array(6000).fill(1e308) }));
      });
      await expect(work).rejects.toBeInstanceOf(EventTooLargeError);
      expect(await count('things', 'beside-huge')).toBe(0);
    });

    it('sends nothing of a work that throws', async () => {
      const work = uow.run(async (tx) => {
        tx.insertWithEvents(thing('thrown'));
        throw new Error('changed its mind');
      });
      await expect(work).rejects.toThrow('changed its mind');
      expect(await count('things', 'thrown')).toBe(0);
    });
  });

  describe('a unit of work that is one statement (UnitOfWork.runInOneStatement)', () => {
    const committed: AppendedEvent[] = [];
    beforeAll(() => uow.onCommitted((_, events) => committed.push(...events)));
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

    it('writes units of work that run at the same time in few shared statements, each unit all or nothing and told on its own', async () => {
      const sent = jest.spyOn(ds.manager, 'query');
      const before = committed.length;
      const ids = Array.from({ length: 30 }, (_, i) => `shared-${i}`);
      const answers = await Promise.all(ids.map((id) => uow.runInOneStatement((tx) => {
        tx.insertWithEvents(thing(id));
        tx.publish(domainEvent('demo', 'Added', id, { id }));
        return id;
      })));
      expect(answers).toEqual(ids);
      expect(await things(...ids)).toBe(30);
      // Each unit's row and event in one transaction, and far fewer statements than units.
      for (const id of ids) expect(await logged(id)).toEqual({ n: 1, txs: 1 });
      expect(sent.mock.calls.length).toBeLessThanOrEqual(6);
      expect(committed.slice(before).map((e) => e.event.subject).sort()).toEqual([...ids].sort());
      sent.mockRestore();
    });

    it('fails only the unit whose row cannot be added when units share a statement; the others are written', async () => {
      await ds.query(`INSERT INTO things (id) VALUES ('already-there')`);
      const before = committed.length;
      const unit = (id: string) => uow.runInOneStatement((tx) => {
        tx.insertWithEvents(thing(id));
        tx.publish(domainEvent('demo', 'Added', `subject-${id}`, { id }));
      });
      const settled = await Promise.allSettled(['free-1', 'already-there', 'free-2', 'free-3'].map(unit));
      expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
      expect((settled[1] as PromiseRejectedResult).reason).toMatchObject({ driverError: { code: '23505' } });
      expect(await things('free-1', 'free-2', 'free-3')).toBe(3);
      expect(await logged('subject-already-there')).toEqual({ n: 0, txs: 0 });
      expect(committed.slice(before).map((e) => e.event.subject).sort()).toEqual(['subject-free-1', 'subject-free-2', 'subject-free-3']);
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
});
