import 'reflect-metadata';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DataSource } from 'typeorm';
import { ConfigError, loadConfig, ProducerKeyError, ProducerKeyStore } from '@eda/platform';
import { storages } from '../contexts';
import { startInfrastructure } from '../infrastructure';

const USAGE = `Producer keys for POST /events and GET /events.

  npm run producer-key -- --source <source> [--source <source> ...] [--scopes publish,read] [--description <text>]
      issues a key; prints the key once. Scopes (default publish):
        publish  POST /events with events of the given CloudEvents sources (at least one --source)
        read     GET /events and GET /events/:id (the whole event log; no --source needed)
  npm run producer-key -- --scopes read [--description <text>]
  npm run producer-key -- --list
  npm run producer-key -- --revoke <key id>

Uses DATABASE_URL, else the embedded database under DATA_DIR (the running app's, when it runs).`;

const say = (line: string) => process.stderr.write(`${line}\n`);

class UsageError extends Error {}

/**
 * With no DATABASE_URL, an app already running on the embedded cluster holds its data directory; the
 * CLI then connects to that server (port from postmaster.pid) instead of trying to start a second one.
 */
function runningEmbeddedDatabaseUrl(dataDir: string): string | undefined {
  const pidFile = join(dataDir, 'postgres', 'postmaster.pid');
  const credentialsFile = join(dataDir, 'postgres-credentials.json');
  if (!existsSync(pidFile) || !existsSync(credentialsFile)) return undefined;
  const [pid, , , port] = readFileSync(pidFile, 'utf8').split('\n');
  try {
    process.kill(Number(pid), 0);
  } catch {
    return undefined; // a stale pid file: nobody runs the cluster
  }
  const { user, password } = JSON.parse(readFileSync(credentialsFile, 'utf8')) as { user: string; password: string };
  return `postgres://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${Number(port)}/eda`;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      source: { type: 'string', multiple: true },
      scopes: { type: 'string' },
      description: { type: 'string' },
      list: { type: 'boolean' },
      revoke: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    say(USAGE);
    return 0;
  }
  const issue = values.source !== undefined || values.scopes !== undefined;
  const actions = [issue ? 'issue' : undefined, values.list ? 'list' : undefined, values.revoke ? 'revoke' : undefined].filter(Boolean);
  if (actions.length !== 1) throw new UsageError('give exactly one of --source/--scopes, --list, --revoke');
  const scopes = (values.scopes ?? 'publish').split(',').map((s) => s.trim()).filter(Boolean);

  const env = { ...process.env };
  if (!env.DATABASE_URL) env.DATABASE_URL = runningEmbeddedDatabaseUrl(resolve(env.DATA_DIR || '.data'));
  // The CLI never talks to Kinesis: naming a region keeps start-up from launching the embedded engine.
  if (!env.KINESIS_ENDPOINT && !env.AWS_REGION) env.AWS_REGION = 'us-east-1';
  const config = loadConfig(env);

  // The CLI serves no /ops route: it neither needs nor makes the operations token.
  const infrastructure = await startInfrastructure(config, storages, (line) => say(line), { opsToken: false });
  const dataSource = new DataSource({
    type: 'postgres',
    url: infrastructure.runtime.topology.access('platform').url,
    schema: 'platform',
    extra: { max: 1, application_name: 'eda:producer-key' },
  });
  try {
    await dataSource.initialize();
    const store = new ProducerKeyStore(dataSource, storages.map((s) => s.name));
    if (issue) {
      const issued = await store.issue(values.source ?? [], values.description, scopes);
      const sources = issued.allowedSources.length > 0 ? ` for source(s) ${issued.allowedSources.join(', ')}` : '';
      say(`Producer key ${issued.id} with scope(s) ${issued.scopes.join(', ')}${sources} (database: ${infrastructure.runtime.databaseDescription}).`);
      say('Store it now: it is shown once, and only its hash is kept.');
      process.stdout.write(`${issued.key}\n`);
    } else if (values.list) {
      for (const key of await store.list()) {
        const state = key.revokedAt ? `revoked ${key.revokedAt.toISOString()}` : 'active';
        process.stdout.write(
          `${key.id}  ${state}  created ${key.createdAt.toISOString()}  scopes ${key.scopes.join(',')}  sources ${key.allowedSources.join(',') || '-'}${key.description ? `  ${key.description}` : ''}\n`,
        );
      }
    } else if (values.revoke) {
      if (!(await store.revoke(values.revoke))) throw new UsageError(`no active producer key with id ${values.revoke}`);
      say(`Producer key ${values.revoke} revoked.`);
    }
    return 0;
  } finally {
    if (dataSource.isInitialized) await dataSource.destroy();
    await infrastructure.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof UsageError || error instanceof ProducerKeyError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      say(`producer-key: ${(error as Error).message}\n\n${USAGE}`);
      process.exit(64); // EX_USAGE
    }
    if (error instanceof ConfigError) {
      say(error.message);
      process.exit(78); // EX_CONFIG
    }
    say(`producer-key failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
