import { randomUUID } from 'node:crypto';
import { CreateStreamCommand, DescribeStreamCommand, KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { Pool } from 'pg';
import { DataSource } from 'typeorm';
import { SystemClock, UuidGenerator } from '../context/clock';
import { DatabaseTopology } from '../database/database-topology';
import { provisionDatabase } from '../provision-database';
import { TransactionScope, UnitOfWork } from '../database/unit-of-work';
import type { CloudEvent } from '../event-log/cloud-event';
import { contextStoreMigrations } from '../context-store-migrations';
import { EventLogAppender } from '../event-log/event-log-appender';
import { createKinesisClient } from '../kinesis/kinesis-connection';
import { MetricsService } from '../observability/metrics.service';
import { platformStorage } from '../platform-storage';
import { ConsumerMetrics } from '../consumer/consumer-metrics';
import { ConsumerOptions, GET_RECORDS_PACE_MS } from '../consumer/consumer-options';
import { ConsumerWorker } from '../consumer/consumer-worker';
import { DeadLetterService } from '../consumer/dead-letters/dead-letter.service';
import { DeadLetterStore } from '../consumer/dead-letters/dead-letter-store';
import { EventLogBackfill } from '../consumer/backfill/event-log-backfill';
import { LeaseStore } from '../consumer/leases/lease-store';
import { MessageHandler, registerHandler, RegisteredHandler } from '../consumer/handlers/message-handler';
import type { ShardWakeups } from '../wakeups/shard-wakeups';

/** Test fixtures shared by the consumer's integration tests and their worker processes. */
export const TEST_CONTEXT = 'alpha';
export const TEST_TYPE = 'alpha.Thing';
export const TEST_STREAM = 'alpha-events';
export const TEST_HANDLER = 'alpha.effects';

export async function provisionTestStores(ownerUrl: string): Promise<DatabaseTopology> {
  const topology = new DatabaseTopology(ownerUrl);
  await provisionDatabase(topology, [platformStorage, { name: TEST_CONTEXT, entities: [], migrations: contextStoreMigrations }]);
  const pool = new Pool({ connectionString: topology.access(TEST_CONTEXT).url, max: 1 });
  try {
    await pool.query(`
      CREATE TABLE IF NOT EXISTS effects (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, message_id text NOT NULL, partition_key text NOT NULL,
        seq int NOT NULL, worker text NOT NULL, latency_ms double precision NOT NULL, tx xid8 NOT NULL DEFAULT pg_current_xact_id());
      CREATE TABLE IF NOT EXISTS failing_keys (partition_key text PRIMARY KEY);
      CREATE TABLE IF NOT EXISTS failing_messages (partition_key text NOT NULL, seq int NOT NULL, PRIMARY KEY (partition_key, seq));
      CREATE TABLE IF NOT EXISTS stalled_keys (partition_key text NOT NULL, worker text NOT NULL, PRIMARY KEY (partition_key, worker));
      CREATE TABLE IF NOT EXISTS slow_keys (partition_key text PRIMARY KEY, seconds double precision NOT NULL)`);
  } finally {
    await pool.end();
  }
  return topology;
}

/** The advisory lock a test holds to keep a stalled key's handler waiting (see `stalled_keys`). */
export const stallLock = (key: string) => `stall:${key}`;

/**
 * Records each message it takes, with its transaction (no unique constraint: a second effect would show as a second row). Fails on
 * purpose for every message of a key in `failing_keys`, for one message in `failing_messages`, and — on one
 * worker only, after waiting for the test to let go of `stallLock(key)` — for a key in `stalled_keys`. Takes
 * `seconds` over each message of a key in `slow_keys` (holding its transaction open, for a kill to land in it).
 */
export class EffectRecordingHandler implements MessageHandler {
  constructor(private readonly worker: string) {}

  async handle(event: CloudEvent, tx: TransactionScope): Promise<void> {
    const data = event.data as { seq: number };
    const failing = await tx.manager.query(`SELECT 1 FROM failing_keys WHERE partition_key = $1`, [event.partitionkey]);
    if (failing.length > 0) throw new Error(`key ${event.partitionkey} is failing on purpose`);
    const poison = await tx.manager.query(`SELECT 1 FROM failing_messages WHERE partition_key = $1 AND seq = $2`, [event.partitionkey, data.seq]);
    if (poison.length > 0) throw new Error(`message ${data.seq} of ${event.partitionkey} is failing on purpose`);
    await tx.manager.query(`SELECT pg_sleep(seconds) FROM slow_keys WHERE partition_key = $1`, [event.partitionkey]);
    const stalled = await tx.manager.query(`SELECT 1 FROM stalled_keys WHERE partition_key = $1 AND worker = $2`, [event.partitionkey, this.worker]);
    if (stalled.length > 0) {
      await tx.manager.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [stallLock(event.partitionkey)]);
      throw new Error(`key ${event.partitionkey} is failing on worker ${this.worker} on purpose`);
    }
    await tx.manager.query(
      `INSERT INTO effects (message_id, partition_key, seq, worker, latency_ms) VALUES ($1, $2, $3, $4, $5)`,
      [event.id, event.partitionkey, data.seq, this.worker, Date.now() - Date.parse(event.time)],
    );
  }
}

export interface TestConsumer {
  worker: ConsumerWorker;
  leases: LeaseStore;
  deadLetters: DeadLetterService;
  deadLetterStore: DeadLetterStore;
  handlers: RegisteredHandler[];
  metrics: MetricsService;
  unitOfWork: UnitOfWork;
  /** The worker's own Kinesis client (tests may watch its calls). */
  kinesis: KinesisClient;
  close(): Promise<void>;
}

/** A consumer worker wired by hand, as the Nest module does (used in-process and by worker-process.ts). */
export async function startTestConsumer(params: {
  ownerUrl: string;
  kinesisEndpoint: string;
  options: Pick<ConsumerOptions, 'consumerGroup' | 'workerId' | 'streamPrefix'> & Partial<ConsumerOptions>;
  start?: boolean;
  /** Replay the event log before reading the stream (a new group starting from the log). */
  backfill?: boolean;
  /** Wake-ups to subscribe the worker to (as the app wires the relay's). */
  wakeups?: ShardWakeups;
}): Promise<TestConsumer> {
  const topology = new DatabaseTopology(params.ownerUrl);
  const dataSource = new DataSource({
    type: 'postgres',
    url: topology.access(TEST_CONTEXT).url,
    schema: TEST_CONTEXT,
    extra: { max: 10 },
  });
  await dataSource.initialize();
  const uow = new UnitOfWork(TEST_CONTEXT, dataSource, new EventLogAppender(new SystemClock(), new UuidGenerator()));
  const pool = new Pool({ connectionString: topology.access('platform').url, max: 5 });
  const kinesis = createKinesisClient({ endpoint: params.kinesisEndpoint, region: 'us-east-1', description: 'test' });
  const options: ConsumerOptions = {
    leaseDurationMs: 6000,
    leaseTickMs: 2000,
    shardSyncMs: 1000,
    maxAttempts: 3,
    retryBaseMs: 20,
    retryMaxMs: 200,
    idlePollMaxMs: 250,
    minPollIntervalMs: GET_RECORDS_PACE_MS,
    maxRecordsPerCall: 1000,
    keyConcurrency: 16,
    mode: 'polling',
    efoSubscriptionMs: 280_000,
    ...params.options,
  };
  const metricsService = new MetricsService();
  const metrics = new ConsumerMetrics(metricsService);
  const handlers = [
    registerHandler(TEST_TYPE, { handler: TEST_HANDLER, context: TEST_CONTEXT }, uow, new EffectRecordingHandler(options.workerId)),
  ];
  const leases = new LeaseStore(pool, options.consumerGroup);
  const deadLetterStore = new DeadLetterStore(pool, options.consumerGroup);
  const backfill = new EventLogBackfill(pool, leases, [TEST_CONTEXT], { deadLetters: deadLetterStore, metrics, options });
  const worker = new ConsumerWorker({
    kinesis,
    leases,
    deadLetters: deadLetterStore,
    metrics,
    options,
    handlers,
    beforeFirstSync: params.backfill ? () => backfill.runForNewGroup(handlers) : undefined,
    wakeups: params.wakeups,
  });
  if (params.start !== false) worker.start();
  return {
    worker,
    leases,
    deadLetterStore,
    deadLetters: new DeadLetterService(deadLetterStore, () => handlers, metrics),
    handlers,
    metrics: metricsService,
    unitOfWork: uow,
    kinesis,
    close: async () => {
      await worker.stop();
      kinesis.destroy();
      await pool.end();
      await dataSource.destroy();
    },
  };
}

export function thingEvent(key: string, seq: number): CloudEvent {
  const id = randomUUID();
  return {
    specversion: '1.0',
    id,
    source: TEST_CONTEXT,
    type: TEST_TYPE,
    subject: key,
    time: new Date().toISOString(),
    datacontenttype: 'application/json',
    data: { seq },
    partitionkey: key,
    correlationid: id,
    causationid: id,
  };
}

export async function createStream(kinesis: KinesisClient, name: string, shards: number): Promise<void> {
  await kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
  await waitActive(kinesis, name);
}

export async function waitActive(kinesis: KinesisClient, name: string): Promise<void> {
  for (;;) {
    const { StreamDescription } = await kinesis.send(new DescribeStreamCommand({ StreamName: name }));
    if (StreamDescription?.StreamStatus === 'ACTIVE') return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Puts records in order, 500 a call, one call after the other (so each key keeps its order). */
export async function putRecords(kinesis: KinesisClient, stream: string, records: Array<{ key: string; data: string | Buffer }>): Promise<void> {
  for (let i = 0; i < records.length; i += 500) {
    const chunk = records.slice(i, i + 500);
    const result = await kinesis.send(
      new PutRecordsCommand({
        StreamName: stream,
        Records: chunk.map((r) => ({ PartitionKey: r.key, Data: typeof r.data === 'string' ? Buffer.from(r.data) : r.data })),
      }),
    );
    if (result.FailedRecordCount) throw new Error(`${result.FailedRecordCount} records were refused`);
  }
}

export function putEvents(kinesis: KinesisClient, stream: string, events: CloudEvent[]): Promise<void> {
  return putRecords(kinesis, stream, events.map((e) => ({ key: e.partitionkey, data: JSON.stringify(e) })));
}
