import { rmSync } from 'node:fs';
import { Client } from 'pg';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedKinesis, startEmbeddedPostgres } from '@eda/platform/runtime';

export interface BenchInfrastructure {
  serverUrl: string;
  endpoint: string;
  stop(): Promise<void>;
}

/**
 * DATABASE_URL / KINESIS_ENDPOINT when given, else a throw-away embedded PostgreSQL and kinesalite (none with
 * `kinesis: false`, for a bench that starts its own engine).
 */
export async function startBenchInfrastructure(name: string, options: { kinesis?: boolean } = {}): Promise<BenchInfrastructure> {
  const stops: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s();
  };
  try {
    let serverUrl = process.env.DATABASE_URL;
    if (!serverUrl) {
      const dataDir = join(tmpdir(), `eda-bench-${name}-${process.pid}`);
      const pg = await startEmbeddedPostgres({ dataDir, persistent: false, database: `${name}_bench` });
      stops.push(async () => {
        await pg.stop();
        rmSync(dataDir, { recursive: true, force: true });
      });
      serverUrl = pg.url;
    }
    let endpoint = process.env.KINESIS_ENDPOINT ?? '';
    if (!endpoint && options.kinesis !== false) {
      const engine = await startEmbeddedKinesis();
      stops.push(() => engine.stop());
      endpoint = engine.endpoint;
    }
    return { serverUrl, endpoint, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Creates a database of its own on the bench's server (one per target, so none sees another's rows); returns its URL. */
export async function createDatabase(serverUrl: string, name: string): Promise<string> {
  const admin = new Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
