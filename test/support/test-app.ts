import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Pool } from 'pg';
import { loadConfig } from '@eda/platform';
import { createTestDatabase, testKinesisEndpoint, TestDatabase, uniqueName } from '@eda/platform/testing';
import { createApp } from '../../apps/api/src/bootstrap';
import { storages } from '../../apps/api/src/contexts';
import { startInfrastructure } from '../../apps/api/src/infrastructure';
import { TEST_OPS_TOKEN, withOpsToken } from './ops-token';

export { TEST_OPS_TOKEN } from './ops-token';

export interface TestApp {
  app: NestFastifyApplication;
  /** The operations token this app accepts. */
  opsToken: string;
  db: TestDatabase;
  streamPrefix: string;
  /** The test database as its owner, for assertions on what was committed (event logs, rows). */
  sql: Pool;
  /** Sends a request through Fastify's inject (no socket) and parses a JSON answer; adds the ops token where needed (see withOpsToken). */
  request(method: string, url: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any; headers: Record<string, unknown> }>;
  close(): Promise<void>;
}

/**
 * The whole app as `npm start` builds it, on a fresh database of the test cluster and the test Kinesis
 * engine, with its own stream prefix and consumer group so test files never see each other's records.
 */
export async function startTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  const db = await createTestDatabase();
  const streamPrefix = `${uniqueName('s')}-`;
  const config = loadConfig({
    DATABASE_URL: db.url,
    KINESIS_ENDPOINT: testKinesisEndpoint(),
    STREAM_PREFIX: streamPrefix,
    STREAM_SHARDS: '1',
    LOG_LEVEL: 'warn',
    DATABASE_POOL_SIZE: '3',
    OPS_TOKEN: TEST_OPS_TOKEN,
    ...env,
  });
  const infrastructure = await startInfrastructure(config, storages, () => undefined);
  const app = await createApp(infrastructure.runtime);
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  const sql = new Pool({ connectionString: db.url, max: 3 });
  const opsToken = config.OPS_TOKEN ?? TEST_OPS_TOKEN;
  return {
    app,
    opsToken,
    db,
    streamPrefix,
    sql,
    async request(method, url, body, given = {}) {
      const headers = withOpsToken(method, url, given, opsToken);
      const response = await app.inject({
        method: method as never,
        url,
        headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
        payload: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      const type = String(response.headers['content-type'] ?? '');
      return { status: response.statusCode, body: type.includes('json') ? response.json() : response.body, headers: response.headers };
    },
    async close() {
      await sql.end();
      await app.close();
      await infrastructure.stop();
      await db.drop();
    },
  };
}
