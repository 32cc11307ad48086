import { resolve } from 'node:path';
import {
  AppConfig,
  ContextStorage,
  DatabaseTopology,
  createKinesisClient,
  KinesisConnection,
  logicalStreams,
  PlatformRuntime,
  StreamProvisioner,
  provisionDatabase,
} from '@eda/platform';
import { startEmbeddedKinesis, startEmbeddedPostgres } from '@eda/platform/runtime';
import { OpsToken, resolveOpsToken } from './ops-token';

export interface Infrastructure {
  runtime: PlatformRuntime;
  /** The operations token and where it came from (the start-up banner says which); none when not asked for. */
  opsToken?: OpsToken;
  /** Stops what start-up started (embedded PostgreSQL and Kinesis engine); no-op for external ones. */
  stop(): Promise<void>;
}

/**
 * Finds or starts the database and the Kinesis engine, then creates the per-context roles and schemas and
 * runs the migrations. With no DATABASE_URL and no KINESIS_ENDPOINT/AWS_REGION, both are embedded and keep
 * their data under DATA_DIR, so a restart finds its events, streams and checkpoints. The operations token
 * (OPS_TOKEN, else generated once and kept under DATA_DIR) is resolved first.
 */
export async function startInfrastructure(
  config: AppConfig,
  storages: ContextStorage[],
  log: (line: string) => void,
  options: { opsToken: boolean } = { opsToken: true },
): Promise<Infrastructure> {
  const stops: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch((e) => log(`stop failed: ${String(e)}`));
  };
  try {
    const dataDir = resolve(config.DATA_DIR);
    // First: a token file that cannot be read stops start-up before anything is started.
    const opsToken = options.opsToken ? resolveOpsToken(config) : undefined;
    let databaseUrl = config.DATABASE_URL;
    let databaseDescription: string;
    if (databaseUrl) {
      const url = new URL(databaseUrl);
      databaseDescription = `PostgreSQL at ${url.hostname}:${url.port || 5432}${url.pathname}`;
    } else {
      const pg = await startEmbeddedPostgres({ dataDir, log: (line) => config.LOG_LEVEL === 'debug' && log(line) });
      stops.push(() => pg.stop());
      databaseUrl = pg.url;
      const url = new URL(databaseUrl);
      databaseDescription = `embedded PostgreSQL at 127.0.0.1:${url.port}${url.pathname} (data in ${pg.dataDir})`;
    }

    let kinesis: KinesisConnection;
    if (config.KINESIS_ENDPOINT) {
      kinesis = { endpoint: config.KINESIS_ENDPOINT, region: config.AWS_REGION ?? 'us-east-1', description: `Kinesis API at ${config.KINESIS_ENDPOINT}` };
    } else if (config.AWS_REGION) {
      kinesis = { region: config.AWS_REGION, description: `AWS Kinesis in ${config.AWS_REGION}` };
    } else {
      const path = resolve(dataDir, 'kinesis');
      const engine = await startEmbeddedKinesis({ path });
      stops.push(() => engine.stop());
      kinesis = { endpoint: engine.endpoint, region: 'us-east-1', description: `embedded kinesalite at ${engine.endpoint} (data in ${path})` };
    }

    const topology = new DatabaseTopology(databaseUrl, { roleSecret: config.DATABASE_ROLE_SECRET, rolePrefix: config.DATABASE_ROLE_PREFIX });
    await provisionDatabase(topology, storages);
    // Streams exist (ACTIVE) before any part starts, so consumers find them on their first shard sync.
    const kinesisClient = createKinesisClient(kinesis, { maxAttempts: 5 });
    try {
      await new StreamProvisioner(kinesisClient, {
        shards: config.STREAM_SHARDS,
        retentionHours: config.STREAM_RETENTION_HOURS,
        kmsKeyId: config.STREAM_KMS_KEY_ID,
      }).ensureAll(logicalStreams(storages).map((s) => config.STREAM_PREFIX + s));
    } finally {
      kinesisClient.destroy();
    }
    return { runtime: new PlatformRuntime(config, topology, kinesis, storages, databaseDescription, opsToken?.token), opsToken, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
