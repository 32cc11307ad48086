import { DynamicModule, Global, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { AppConfig } from './config/app-config';
import { Clock, IdGenerator, SystemClock, UuidGenerator } from './context/clock';
import { DatabaseTopology } from './database/database-topology';
import { EventLogAppender } from './event-log/event-log-appender';
import { OpsAccess } from './http/ops-access';
import { MetricsService } from './observability/metrics.service';
import { PlatformRuntime } from './platform-runtime';
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
        { provide: Clock, useClass: SystemClock },
        { provide: IdGenerator, useClass: UuidGenerator },
        { provide: EventLogAppender, inject: [Clock, IdGenerator], useFactory: (c: Clock, i: IdGenerator) => new EventLogAppender(c, i) },
        MetricsService,
        { provide: ShardWakeups, useFactory: () => new ShardWakeups() },
        WakeupChannelHost,
        { provide: OpsAccess, useValue: new OpsAccess(runtime.opsToken) },
      ],
      exports: [PlatformRuntime, AppConfig, DatabaseTopology, Clock, IdGenerator, EventLogAppender, MetricsService, ShardWakeups, OpsAccess],
    };
  }
}
