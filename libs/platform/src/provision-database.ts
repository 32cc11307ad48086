import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { DatabaseTopology } from './database/database-topology';
import { PLATFORM_SCHEMA, type ContextStorage } from './database/context-definition';
import { provisionRelay } from './relay/provision-relay';
import { ident, literal } from './sql/ident';

const PROVISION_LOCK = 74_201_001;

/**
 * Creates (or re-aligns) one login role and one schema per context, then runs each context's migrations
 * connected as that role, so every object a context has is owned by its role and nobody else's.
 * Serialised by an advisory lock: several processes may start against the same database at once.
 */
export async function provisionDatabase(topology: DatabaseTopology, storages: ContextStorage[]): Promise<void> {
  const owner = new Client({ connectionString: topology.ownerUrl });
  await owner.connect();
  try {
    await owner.query('SELECT pg_advisory_lock($1)', [PROVISION_LOCK]);
    const platformRole = topology.roleName(PLATFORM_SCHEMA);
    for (const { name } of storages) {
      const { role } = topology.access(name);
      const exists = await owner.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role]);
      const password = literal(topology.password(role));
      await owner.query(
        exists.rowCount === 0
          ? `CREATE ROLE ${ident(role)} LOGIN NOINHERIT PASSWORD ${password}`
          : `ALTER ROLE ${ident(role)} LOGIN PASSWORD ${password}`,
      );
      await owner.query(`CREATE SCHEMA IF NOT EXISTS ${ident(name)} AUTHORIZATION ${ident(role)}`);
      await owner.query(`ALTER SCHEMA ${ident(name)} OWNER TO ${ident(role)}`);
      await owner.query(`ALTER ROLE ${ident(role)} IN DATABASE ${ident(topology.database)} SET search_path TO ${ident(name)}`);
    }
    // The platform role reads every context's event log (the relay); it needs to reach those schemas,
    // and nothing in them but what each context's migrations grant it (the event_log table only).
    for (const { name } of storages) {
      if (name !== PLATFORM_SCHEMA) await owner.query(`GRANT USAGE ON SCHEMA ${ident(name)} TO ${ident(platformRole)}`);
    }
    for (const storage of storages) await runMigrations(topology, storage, platformRole);
    // Logical replication of the event logs for the relay (REPLICATION grant, publication): owner-only work.
    await provisionRelay(topology, storages, owner);
  } finally {
    await owner.query('SELECT pg_advisory_unlock($1)', [PROVISION_LOCK]).catch(() => undefined);
    await owner.end();
  }
}

async function runMigrations(topology: DatabaseTopology, storage: ContextStorage, platformRole: string): Promise<void> {
  const access = topology.access(storage.name);
  const dataSource = new DataSource({
    type: 'postgres',
    url: access.url,
    schema: storage.name,
    migrations: storage.migrations,
    migrationsTableName: 'migrations',
    // Migrations read the platform role's name from this setting to grant it the event log.
    extra: { options: `-c eda.platform_role=${platformRole}`, max: 1 },
    logging: false,
  });
  await dataSource.initialize();
  try {
    await dataSource.runMigrations({ transaction: 'each' });
  } finally {
    await dataSource.destroy();
  }
}
