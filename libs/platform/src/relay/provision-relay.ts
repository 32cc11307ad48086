import { Client } from 'pg';
import { PLATFORM_SCHEMA, type ContextStorage } from '../database/context-definition';
import type { DatabaseTopology } from '../database/database-topology';
import { ident, literal } from '../sql/ident';

/** The publication the relay's slot decodes: the event_log of every schema, INSERTs only (the unpublished table beside each is not news). */
export const RELAY_PUBLICATION = 'eda_relay_event_log';

/** A logical replication slot is cluster-wide: one per database and per reader of its log. */
export function relaySlotName(topology: DatabaseTopology, consumer = 'relay'): string {
  return `eda_${consumer}_${topology.rolePrefix}`.toLowerCase().replace(/[^a-z0-9_]/g, '_').slice(0, 63);
}

export interface RelayProvisioning {
  walLevel: string;
  /** Whether the relay's replication role exists with REPLICATION (DatabaseTopology.replicationAccess). */
  replicationGranted: boolean;
  publication: boolean;
}

/**
 * Prepares logical replication of the event logs, as the database owner (the only role allowed to): creates
 * the relay's replication role (`<prefix>_relay`: LOGIN REPLICATION, no grant on any schema) when the owner is
 * a superuser, takes REPLICATION away from the platform role (which serves HTTP; older installs granted it), and
 * creates or re-aligns the publication over every schema's event_log. Whatever it cannot do it reports, and the
 * relay polls instead.
 */
export async function provisionRelay(topology: DatabaseTopology, storages: ContextStorage[], owner?: Client): Promise<RelayProvisioning> {
  const client = owner ?? new Client({ connectionString: topology.ownerUrl });
  if (!owner) await client.connect();
  try {
    const platformRole = topology.roleName(PLATFORM_SCHEMA);
    const { role: replicationRole } = topology.replicationAccess();
    const walLevel = (await client.query<{ wal_level: string }>('SHOW wal_level')).rows[0].wal_level;
    const me = (await client.query<{ rolsuper: boolean }>('SELECT rolsuper FROM pg_roles WHERE rolname = current_user')).rows[0];
    if (me?.rolsuper) {
      const exists = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [replicationRole]);
      const password = literal(topology.password(replicationRole));
      await client.query(exists.rowCount === 0
        ? `CREATE ROLE ${ident(replicationRole)} LOGIN REPLICATION NOINHERIT PASSWORD ${password}`
        : `ALTER ROLE ${ident(replicationRole)} LOGIN REPLICATION NOINHERIT PASSWORD ${password}`);
      await client.query(`ALTER ROLE ${ident(platformRole)} NOREPLICATION`);
    }
    const granted = await client.query<{ ok: boolean }>(
      'SELECT rolreplication OR rolsuper AS ok FROM pg_roles WHERE rolname = $1', [replicationRole]);
    const tables = storages.map((s) => `${ident(s.name)}.event_log`).join(', ');
    let publication = false;
    try {
      const exists = await client.query('SELECT 1 FROM pg_publication WHERE pubname = $1', [RELAY_PUBLICATION]);
      if (exists.rowCount === 0) {
        await client.query(`CREATE PUBLICATION ${ident(RELAY_PUBLICATION)} FOR TABLE ${tables} WITH (publish = 'insert')`);
      } else {
        await client.query(`ALTER PUBLICATION ${ident(RELAY_PUBLICATION)} SET TABLE ${tables}`);
        await client.query(`ALTER PUBLICATION ${ident(RELAY_PUBLICATION)} SET (publish = 'insert')`);
      }
      publication = true;
    } catch {
      // Not the tables' owner nor a superuser: no publication, the relay polls.
    }
    return { walLevel, replicationGranted: granted.rows[0]?.ok === true, publication };
  } finally {
    if (!owner) await client.end();
  }
}
