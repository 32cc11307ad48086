import { Inject, Injectable, Logger, Module, OnApplicationBootstrap, OnApplicationShutdown, OnModuleDestroy } from '@nestjs/common';
import { PLATFORM_SCHEMA } from '../database/context-definition';
import { DiscoveryModule } from '@nestjs/core';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { Pool } from 'pg';
import { createKinesisClient } from '../kinesis/kinesis-connection';
import { MetricsService } from '../observability/metrics.service';
import { PlatformRuntime } from '../platform-runtime';
import { ConsumerMetrics } from './consumer-metrics';
import { ConsumerOpsController } from './consumer-ops.controller';
import { ConsumerOptions, consumerOptionsFrom } from './consumer-options';
import { ConsumerWorker } from './consumer-worker';
import { DeadLetterService } from './dead-letters/dead-letter.service';
import { DeadLetterStore } from './dead-letters/dead-letter-store';
import { EventLogBackfill } from './backfill/event-log-backfill';
import { HandlerCatalog } from './handlers/handler-catalog';
import { LeaseStore } from './leases/lease-store';
import { ShardWakeups } from '../wakeups/shard-wakeups';

export const CONSUMER_PLATFORM_POOL = Symbol('CONSUMER_PLATFORM_POOL');
export const CONSUMER_KINESIS = Symbol('CONSUMER_KINESIS');
export const CONSUMER_OPTIONS = Symbol('CONSUMER_OPTIONS');

/** Closes what the ops module opened when the app closes. */
@Injectable()
class ConsumerConnections implements OnApplicationShutdown {
  constructor(
    @Inject(CONSUMER_PLATFORM_POOL) private readonly pool: Pool,
    @Inject(CONSUMER_KINESIS) private readonly kinesis: KinesisClient,
  ) {}

  // The last shutdown hook: the worker stopped in onModuleDestroy, before any connection closes.
  async onApplicationShutdown(): Promise<void> {
    this.kinesis.destroy();
    await this.pool.end();
  }
}

/**
 * What every process serves whatever its roles: GET /ops/consumers and the dead-letter API, and the
 * handler catalog a retry needs. Needs PlatformRuntime and MetricsService from the global PlatformModule.
 */
@Module({
  imports: [DiscoveryModule],
  controllers: [ConsumerOpsController],
  providers: [
    { provide: CONSUMER_OPTIONS, inject: [PlatformRuntime], useFactory: (runtime: PlatformRuntime) => consumerOptionsFrom(runtime.config) },
    {
      provide: CONSUMER_PLATFORM_POOL,
      inject: [PlatformRuntime],
      useFactory: (runtime: PlatformRuntime) => {
        const pool = new Pool({ connectionString: runtime.topology.access(PLATFORM_SCHEMA).url, max: 5, application_name: 'eda:consumer' });
        // An idle connection dropped by the server (restart, failover) must not crash the process.
        pool.on('error', (error) => new Logger('Consumer').warn(`platform connection lost: ${error.message}`));
        return pool;
      },
    },
    {
      provide: CONSUMER_KINESIS,
      inject: [PlatformRuntime],
      // Enhanced fan-out subscribes to shards: HTTP/2 on AWS (ADR 0015).
      useFactory: (runtime: PlatformRuntime) => createKinesisClient(runtime.kinesis, { maxAttempts: 3, subscribes: runtime.config.CONSUMER_MODE === 'efo' }),
    },
    { provide: ConsumerMetrics, inject: [MetricsService], useFactory: (metrics: MetricsService) => new ConsumerMetrics(metrics) },
    { provide: LeaseStore, inject: [CONSUMER_PLATFORM_POOL, CONSUMER_OPTIONS], useFactory: (pool: Pool, o: ConsumerOptions) => new LeaseStore(pool, o.consumerGroup) },
    { provide: DeadLetterStore, inject: [CONSUMER_PLATFORM_POOL, CONSUMER_OPTIONS], useFactory: (pool: Pool, o: ConsumerOptions) => new DeadLetterStore(pool, o.consumerGroup) },
    {
      provide: DeadLetterService,
      inject: [DeadLetterStore, HandlerCatalog, ConsumerMetrics],
      useFactory: (store: DeadLetterStore, catalog: HandlerCatalog, metrics: ConsumerMetrics) => new DeadLetterService(store, () => catalog.handlers(), metrics),
    },
    HandlerCatalog,
    ConsumerConnections,
  ],
  exports: [CONSUMER_OPTIONS, CONSUMER_PLATFORM_POOL, CONSUMER_KINESIS, ConsumerMetrics, LeaseStore, DeadLetterStore, DeadLetterService, HandlerCatalog],
})
export class ConsumerOpsModule {}

/** Runs the worker for the life of the app: starts once every module is up, stops gracefully on shutdown. */
@Injectable()
export class ConsumerWorkerHost implements OnApplicationBootstrap, OnModuleDestroy {
  private worker: ConsumerWorker | null = null;

  constructor(
    @Inject(CONSUMER_OPTIONS) private readonly options: ConsumerOptions,
    @Inject(CONSUMER_PLATFORM_POOL) private readonly pool: Pool,
    @Inject(CONSUMER_KINESIS) private readonly kinesis: KinesisClient,
    private readonly runtime: PlatformRuntime,
    private readonly leases: LeaseStore,
    private readonly deadLetters: DeadLetterStore,
    private readonly metrics: ConsumerMetrics,
    private readonly catalog: HandlerCatalog,
    private readonly wakeups: ShardWakeups,
  ) {}

  onApplicationBootstrap(): void {
    const handlers = this.catalog.handlers();
    const backfill = new EventLogBackfill(this.pool, this.leases, this.runtime.storages.map((s) => s.name), {
      deadLetters: this.deadLetters,
      metrics: this.metrics,
      options: this.options,
    });
    this.worker = new ConsumerWorker({
      kinesis: this.kinesis,
      leases: this.leases,
      deadLetters: this.deadLetters,
      metrics: this.metrics,
      options: this.options,
      handlers,
      wakeups: this.wakeups,
      beforeFirstSync:
        this.runtime.config.CONSUMER_START_FROM === 'event-log' ? () => backfill.runForNewGroup(handlers) : undefined,
    });
    this.worker.start();
  }

  /** The first shutdown hook, before any connection closes: stop reading, finish in-flight handlers, checkpoint, release. */
  async onModuleDestroy(): Promise<void> {
    await this.worker?.stop();
  }
}

/**
 * The consumer role (ROLES includes `consumer`): one worker per process reading every stream that has
 * `@OnMessage` handlers, sharing the shards with the other processes of CONSUMER_GROUP.
 */
@Module({
  imports: [ConsumerOpsModule],
  providers: [ConsumerWorkerHost],
})
export class ConsumerModule {}
