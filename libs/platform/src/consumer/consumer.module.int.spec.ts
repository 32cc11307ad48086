import { Injectable, Module } from '@nestjs/common';
import { Test, TestingModule } from '@nestjs/testing';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { Pool } from 'pg';
import { loadConfig } from '../config/app-config';
import { ContextPersistenceModule } from '../database/context-persistence.module';
import { TransactionScope } from '../database/unit-of-work';
import type { CloudEvent } from '../event-log/cloud-event';
import { contextStoreMigrations } from '../context-store-migrations';
import { PlatformModule } from '../platform.module';
import { PlatformRuntime } from '../platform-runtime';
import { platformStorage } from '../platform-storage';
import { createTestDatabase, eventually, TestDatabase, testKinesisClient, testKinesisEndpoint, uniqueName } from '../testing';
import { ConsumerOpsController } from './consumer-ops.controller';
import { ConsumerModule } from './consumer.module';
import { MessageHandler } from './handlers/message-handler';
import { OnMessage } from './handlers/on-message.decorator';
import { createStream, putEvents, provisionTestStores, TEST_CONTEXT, TEST_STREAM, TEST_TYPE, thingEvent } from '../testing/consumer-test-kit';

@OnMessage(TEST_TYPE, { handler: 'alpha.nest-effects', context: TEST_CONTEXT })
@Injectable()
class NestEffectHandler implements MessageHandler {
  async handle(event: CloudEvent, tx: TransactionScope): Promise<void> {
    await tx.manager.query(`INSERT INTO effects (message_id, partition_key, seq, worker, latency_ms) VALUES ($1, $2, $3, 'nest', 0)`, [
      event.id,
      event.partitionkey,
      (event.data as { seq: number }).seq,
    ]);
  }
}

const alphaStorage = { name: TEST_CONTEXT, entities: [], migrations: contextStoreMigrations };

@Module({ imports: [ContextPersistenceModule.forContext(alphaStorage)], providers: [NestEffectHandler] })
class AlphaTestModule {}

describe('ConsumerModule in a Nest application', () => {
  let db: TestDatabase;
  let alpha: Pool;
  let kinesis: KinesisClient;
  let app: TestingModule;
  const prefix = `${uniqueName('n')}-`;

  beforeAll(async () => {
    db = await createTestDatabase();
    const topology = await provisionTestStores(db.url);
    alpha = new Pool({ connectionString: topology.access(TEST_CONTEXT).url, max: 2 });
    kinesis = testKinesisClient();
    const config = loadConfig({
      STREAM_PREFIX: prefix,
      CONSUMER_GROUP: uniqueName('g'),
      WORKER_ID: 'nest-worker',
      CONSUMER_SHARD_SYNC_MS: '500',
      CONSUMER_IDLE_POLL_MAX_MS: '250',
    });
    const runtime = new PlatformRuntime(config, topology, { endpoint: testKinesisEndpoint(), region: 'us-east-1', description: 'test' }, [platformStorage, alphaStorage], 'test');
    app = await Test.createTestingModule({ imports: [PlatformModule.forRoot(runtime), AlphaTestModule, ConsumerModule] }).compile();
    await app.init();
  });

  afterAll(async () => {
    kinesis.destroy();
    await alpha.end();
    await db.drop();
  });

  it('discovers @OnMessage handlers, waits for their stream, applies its records, shows the leases and releases them on shutdown', async () => {
    await createStream(kinesis, `${prefix}${TEST_STREAM}`, 2);
    await putEvents(kinesis, `${prefix}${TEST_STREAM}`, Array.from({ length: 40 }, (_, i) => thingEvent(`nest${i % 4}`, Math.floor(i / 4))));
    await eventually('the discovered handler applies every record', async () => {
      expect((await alpha.query(`SELECT count(*)::int AS n FROM effects WHERE worker = 'nest'`)).rows[0].n).toBe(40);
    }, 20_000);

    const ops = app.get(ConsumerOpsController);
    await eventually('both shards show this worker as owner', async () => {
      const leases = await ops.consumers();
      expect(leases.map((l) => [l.stream, l.owner])).toEqual([[TEST_STREAM, 'nest-worker'], [TEST_STREAM, 'nest-worker']]);
    });
    expect((await ops.deadLettersList()).items).toEqual([]);

    await app.close();
    const released = new Pool({ connectionString: db.url, max: 1 });
    try {
      const { rows } = await released.query(`SELECT owner, checkpoint FROM platform.consumer_leases`);
      expect(rows).toHaveLength(2);
      expect(rows.every((r) => r.owner === null)).toBe(true);
      expect(rows.some((r) => r.checkpoint !== 'TRIM_HORIZON')).toBe(true);
    } finally {
      await released.end();
    }
  });
});
