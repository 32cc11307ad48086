import { randomBytes } from 'node:crypto';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { Client } from 'pg';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { createKinesisClient } from '../kinesis/kinesis-connection';

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the tests through Jest (its global setup starts the infrastructure)`);
  return value;
}

export function testKinesisEndpoint(): string {
  return required('TEST_KINESIS_ENDPOINT');
}

/** A Kinesis client of the test engine, with SDK retries (tests read through it, they do not test retries with it). */
export function testKinesisClient(): KinesisClient {
  return createKinesisClient({ endpoint: testKinesisEndpoint(), region: 'us-east-1', description: 'test engine' }, { maxAttempts: 5 });
}

export function testServerUrl(): string {
  return required('TEST_DATABASE_URL');
}

/** A unique lower-case name for a test's database, stream prefix or consumer group. */
export function uniqueName(prefix = 't'): string {
  return `${prefix}${randomBytes(5).toString('hex')}`;
}

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

/**
 * A fresh database on the test cluster; `drop()` removes it and the per-context roles the app created
 * for it (their names start with the database name), so runs against a shared server leave nothing behind.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const server = testServerUrl();
  const name = uniqueName('t_');
  const admin = new Client({ connectionString: server });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(server);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: async () => {
      const client = new Client({ connectionString: server });
      await client.connect();
      try {
        await dropReplicationSlots(client, name);
        await connectionsGone(client, name);
        await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
        const roles = await client.query(`SELECT rolname FROM pg_roles WHERE rolname LIKE $1`, [`${name}\\_%`]);
        for (const { rolname } of roles.rows) await client.query(`DROP ROLE IF EXISTS "${rolname}"`);
      } finally {
        await client.end();
      }
    },
  };
}

/**
 * A data source on a fresh database with `migrations` run: a store's or repository's tests on real PostgreSQL
 * without the app. `close()` closes it and drops the database.
 */
export async function createMigratedDataSource(
  options: { migrations: DataSourceOptions['migrations']; entities?: DataSourceOptions['entities'] },
): Promise<{ dataSource: DataSource; close(): Promise<void> }> {
  const db = await createTestDatabase();
  const dataSource = new DataSource({ type: 'postgres', url: db.url, ...options, extra: { max: 4 } });
  await dataSource.initialize();
  await dataSource.runMigrations();
  return {
    dataSource,
    close: async () => {
      await dataSource.destroy();
      await db.drop();
    },
  };
}

/**
 * Waits (up to 2 s) for the database's connections to close: a pool that was just ended may still be closing its
 * clients, and FORCE would terminate them, which a client of such a pool reports as an error nobody listens to.
 * Whatever is still connected after that is terminated by the DROP.
 */
async function connectionsGone(client: Client, database: string): Promise<void> {
  for (let attempt = 0; attempt < 40; attempt++) {
    const { rows } = await client.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1`, [database]);
    if (rows[0].n === 0) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A database with a logical replication slot (the relay's) cannot be dropped: drop its slots first. */
async function dropReplicationSlots(client: Client, database: string): Promise<void> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const { rows } = await client.query(`SELECT slot_name, active_pid FROM pg_replication_slots WHERE database = $1`, [database]);
    if (rows.length === 0) return;
    for (const { slot_name, active_pid } of rows) {
      if (active_pid) await client.query('SELECT pg_terminate_backend($1)', [active_pid]);
      else await client.query('SELECT pg_drop_replication_slot($1)', [slot_name]).catch(() => undefined);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
