import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { createTestDatabase, TestDatabase } from './testing';
import { SystemClock, UuidGenerator } from './context/clock';
import { contextStoreMigrations } from './context-store-migrations';
import { EventLogAppender } from './event-log/event-log-appender';
import { domainEvent } from './event-log/outgoing-message';
import { DatabaseTopology } from './database/database-topology';
import { PLATFORM_SCHEMA } from './database/context-definition';
import { provisionDatabase } from './provision-database';
import { UnitOfWork } from './database/unit-of-work';

const storages = ['platform', 'alpha', 'beta'].map((name) => ({ name, entities: [], migrations: contextStoreMigrations }));

describe('database provisioning (one role and one schema per context)', () => {
  let db: TestDatabase;
  let topology: DatabaseTopology;

  beforeAll(async () => {
    db = await createTestDatabase();
    topology = new DatabaseTopology(db.url);
    await provisionDatabase(topology, storages);
  });
  afterAll(() => db.drop());

  async function as<T>(schema: string, work: (client: Client) => Promise<T>): Promise<T> {
    const client = new Client({ connectionString: topology.access(schema).url });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  }

  it('lets a context role use its own schema and refuses every other one', async () => {
    await as('alpha', async (client) => {
      expect((await client.query('SELECT count(*)::int AS n FROM event_log')).rows[0].n).toBe(0);
      await expect(client.query('SELECT * FROM beta.event_log')).rejects.toThrow(/permission denied/);
      await expect(client.query('SELECT * FROM platform.event_log')).rejects.toThrow(/permission denied/);
      await expect(client.query('CREATE TABLE beta.sneaky (id int)')).rejects.toThrow(/permission denied/);
    });
  });

  it('lets the platform role read every event log but no other table of a context', async () => {
    await as('alpha', (client) => client.query('CREATE TABLE private_state (id int)'));
    await as(PLATFORM_SCHEMA, async (client) => {
      await client.query('SELECT * FROM alpha.event_log');
      await expect(client.query('SELECT * FROM alpha.private_state')).rejects.toThrow(/permission denied/);
      await expect(client.query('SELECT * FROM alpha.inbox')).rejects.toThrow(/permission denied/);
      await expect(client.query(`UPDATE alpha.event_log SET type = 'x'`)).rejects.toThrow(/permission denied/);
      // What the relay needs to mark rows published, and nothing more.
      await client.query('DELETE FROM alpha.event_log_unpublished WHERE false');
      await expect(client.query('INSERT INTO alpha.event_log_unpublished VALUES (1, now())')).rejects.toThrow(/permission denied/);
    });
  });

  it('gives logical replication its own role: REPLICATION and no table, while the platform role (which serves HTTP) lacks REPLICATION', async () => {
    const owner = new Client({ connectionString: db.url });
    await owner.connect();
    try {
      const replication = topology.replicationAccess();
      const { rows } = await owner.query<{ rolname: string; rolreplication: boolean }>(
        'SELECT rolname, rolreplication FROM pg_roles WHERE rolname = ANY($1) ORDER BY rolname', [[topology.roleName(PLATFORM_SCHEMA), replication.role]]);
      expect(rows).toEqual([
        { rolname: topology.roleName(PLATFORM_SCHEMA), rolreplication: false },
        { rolname: replication.role, rolreplication: true },
      ]);
      const relay = new Client({ connectionString: replication.url });
      await relay.connect();
      try {
        await expect(relay.query('SELECT * FROM alpha.event_log')).rejects.toThrow(/permission denied/);
        await expect(relay.query('SELECT * FROM platform.relay_state')).rejects.toThrow(/permission denied/);
      } finally {
        await relay.end();
      }
    } finally {
      await owner.end();
    }
  });

  it('is idempotent: provisioning again changes nothing and keeps the data', async () => {
    await as('beta', (client) => client.query(`CREATE TABLE IF NOT EXISTS kept (v int); INSERT INTO kept VALUES (7)`));
    await provisionDatabase(topology, storages);
    await as('beta', async (client) => expect((await client.query('SELECT v FROM kept')).rows).toEqual([{ v: 7 }]));
  });

  describe('unit of work', () => {
    let dataSource: DataSource;
    let uow: UnitOfWork;

    beforeAll(async () => {
      dataSource = new DataSource({ type: 'postgres', url: topology.access('alpha').url, schema: 'alpha' });
      await dataSource.initialize();
      uow = new UnitOfWork('alpha', dataSource, new EventLogAppender(new SystemClock(), new UuidGenerator()));
    });
    afterAll(() => dataSource.destroy());

    it('commits state and events together, and neither when the work fails', async () => {
      await uow.run((tx) => tx.manager.query('CREATE TABLE IF NOT EXISTS things (id text primary key)'));
      await uow.run(async (tx) => {
        await tx.manager.query(`INSERT INTO things VALUES ('a')`);
        tx.publish(domainEvent('alpha', 'ThingMade', 'a', { n: 1 }));
      });
      await expect(
        uow.run(async (tx) => {
          await tx.manager.query(`INSERT INTO things VALUES ('b')`);
          tx.publish(domainEvent('alpha', 'ThingMade', 'b', { n: 2 }));
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      const things = await dataSource.query('SELECT id FROM things');
      const events = await dataSource.query('SELECT type, subject, stream, envelope FROM event_log');
      expect(things).toEqual([{ id: 'a' }]);
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ type: 'alpha.ThingMade', subject: 'a', stream: 'alpha-events' });
      expect(events[0].envelope).toMatchObject({ specversion: '1.0', source: 'alpha', partitionkey: 'a', data: { n: 1 } });
    });

    it('refuses to rewrite or delete the log', async () => {
      await expect(dataSource.query(`DELETE FROM event_log`)).rejects.toThrow(/insert-only/);
      await expect(dataSource.query(`UPDATE event_log SET type = 'other'`)).rejects.toThrow(/insert-only/);
      await expect(dataSource.query(`UPDATE event_log SET recorded_at = now() WHERE false`)).rejects.toThrow(/insert-only/);
    });

    it('lists every row written, however it is inserted, as owed to Kinesis until the relay marks it published', async () => {
      const before = await dataSource.query(`SELECT count(*)::int AS n FROM event_log`);
      await dataSource.query(`
        INSERT INTO event_log (id, source, type, subject, partition_key, stream, time, envelope, content_hash)
        SELECT 'bulk-' || i, 'alpha', 'alpha.ThingMade', 'k', 'k', 'alpha-events', now(), '{}'::jsonb, 'h' FROM generate_series(1, 3) i`);
      const owed = await dataSource.query(`
        SELECT e.id FROM event_log e LEFT JOIN event_log_unpublished u ON u.position = e.position
         WHERE u.position IS NULL OR u.recorded_at <> e.recorded_at`);
      expect(owed).toEqual([]);
      expect(await dataSource.query(`SELECT count(*)::int AS n FROM event_log_unpublished`)).toEqual([{ n: before[0].n + 3 }]);
    });

    it('applies a message once per handler, however often it is delivered', async () => {
      const message = { id: 'm-1', source: 'beta', type: 'beta.Done', correlationid: 'c', traceparent: undefined } as never;
      const results: boolean[] = [];
      for (let i = 0; i < 3; i++) {
        results.push(await uow.runOnce('count-things', message, (tx) => tx.manager.query(`INSERT INTO things VALUES ('m${i}')`)));
      }
      expect(results).toEqual([true, false, false]);
      expect(await dataSource.query(`SELECT id FROM things WHERE id LIKE 'm%'`)).toEqual([{ id: 'm0' }]);
    });
  });
});
