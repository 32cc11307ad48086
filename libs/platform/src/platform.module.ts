import { DynamicModule, Global, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { AppConfig } from './config/app-config';
import { Clock, IdGenerator, SystemClock, UuidGenerator } from './context/clock';
import { PLATFORM_SCHEMA } from './database/context-definition';
import { ContextPersistenceModule } from './database/context-persistence.module';
import { DatabaseTopology } from './database/database-topology';
import { EventLogAppender } from './event-log/event-log-appender';
import { EventLogQuery } from './event-log/event-log-query';
import { OpsAccess } from './http/ops-access';
import { KINESIS_CONNECTION } from './kinesis/kinesis-connection';
import { MetricsService } from './observability/metrics.service';
import { PlatformRuntime } from './platform-runtime';
import { platformStorage } from './platform-storage';
import { ShardWakeups } from './wakeups/shard-wakeups';
import { WakeupChannelHost } from './wakeups/wakeup-channel.host';

/**
 * The building blocks every context and bus component injects: the validated config, where the database
 * and Kinesis are, the clock and id generator, the event log appender, the metrics registry, the operations
 * token check, and the shard wake-ups the relay gives the consumer (in this process and, through PostgreSQL,
 * in the others).
 */
@Global()
@Module({})
export class PlatformModule {
  static forRoot(runtime: PlatformRuntime): DynamicModule {
    return {
      module: PlatformModule,
      imports: [ConfigModule.forRoot({ ignoreEnvFile: true, isGlobal: true, load: [() => ({ ...runtime.config })] })],
      providers: [
        { provide: PlatformRuntime, useValue: runtime },
        { provide: AppConfig, useValue: runtime.config },
        { provide: DatabaseTopology, useValue: runtime.topology },
        { provide: KINESIS_CONNECTION, useValue: runtime.kinesis },
        { provide: Clock, useClass: SystemClock },
        { provide: IdGenerator, useClass: UuidGenerator },
        { provide: EventLogAppender, inject: [Clock, IdGenerator], useFactory: (c: Clock, i: IdGenerator) => new EventLogAppender(c, i) },
        MetricsService,
        { provide: ShardWakeups, useFactory: () => new ShardWakeups() },
        WakeupChannelHost,
        { provide: OpsAccess, useValue: new OpsAccess(runtime.opsToken) },
      ],
      exports: [PlatformRuntime, AppConfig, DatabaseTopology, KINESIS_CONNECTION, Clock, IdGenerator, EventLogAppender, MetricsService, ShardWakeups, OpsAccess],
    };
  }
}

/**
 * The platform schema's connection (its event log, producer keys, relay and consumer tables), for every
 * process, and the read side of the event logs (EventLogQuery: GET /events, GET /ops/sagas/:id). Global, so
 * the relay, the consumer's ops views and the ingress (IngressModule) inject the `platform` data source.
 * It stands here, beside PlatformModule whose runtime it reads, as each context's module stands beside its
 * storage: the event log (below the unit of work) knows neither the connection nor the runtime.
 */
@Module({})
export class EventLogModule {
  static forRoot(): DynamicModule {
    return {
      module: EventLogModule,
      global: true,
      imports: [ContextPersistenceModule.forContext(platformStorage)],
      providers: [
        {
          provide: EventLogQuery,
          inject: [getDataSourceToken(PLATFORM_SCHEMA), PlatformRuntime],
          useFactory: (db: DataSource, runtime: PlatformRuntime) => new EventLogQuery(db, [PLATFORM_SCHEMA, ...runtime.storages.map((s) => s.name)]),
        },
      ],
      exports: [ContextPersistenceModule, EventLogQuery],
    };
  }
}
