import { rmSync } from 'node:fs';
import { startEmbeddedPostgres } from '../database/embedded-postgres';
import { startEmbeddedKinesis } from '../kinesis/embedded-kinesis';

/**
 * Starts one PostgreSQL cluster and one kinesalite for the whole run, unless DATABASE_URL / KINESIS_ENDPOINT
 * name existing ones. Workers find them in TEST_DATABASE_URL / TEST_KINESIS_ENDPOINT; each test file then
 * creates its own database and stream prefix (see test-infrastructure.ts).
 */
export default async function globalSetup(): Promise<void> {
  const handles: Array<() => Promise<void>> = [];
  if (process.env.DATABASE_URL) {
    process.env.TEST_DATABASE_URL = process.env.DATABASE_URL;
  } else {
    const dataDir = `/tmp/eda-test-${process.pid}`;
    rmSync(dataDir, { recursive: true, force: true });
    const pg = await startEmbeddedPostgres({ dataDir, persistent: false, database: 'postgres' });
    process.env.TEST_DATABASE_URL = pg.url;
    handles.push(async () => {
      await pg.stop();
      rmSync(dataDir, { recursive: true, force: true });
    });
  }
  if (process.env.KINESIS_ENDPOINT) {
    process.env.TEST_KINESIS_ENDPOINT = process.env.KINESIS_ENDPOINT;
  } else {
    const kinesis = await startEmbeddedKinesis();
    process.env.TEST_KINESIS_ENDPOINT = kinesis.endpoint;
    handles.push(() => kinesis.stop());
  }
  (globalThis as { __edaTestInfra?: Array<() => Promise<void>> }).__edaTestInfra = handles;
}
