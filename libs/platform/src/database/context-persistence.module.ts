import { DynamicModule, Module } from '@nestjs/common';
import { getDataSourceToken, TypeOrmModule } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { EventLogAppender } from '../event-log/event-log-appender';
import { AppConfig } from '../config/app-config';
import { MetricsService } from '../observability/metrics.service';
import type { ContextStorage } from './context-definition';
import { DatabaseTopology } from './database-topology';
import { UnitOfWork } from './unit-of-work';

/**
 * A context's connection (its own role, its own schema) and its unit of work. Each context imports its own
 * instance, so `UnitOfWork` and `@InjectDataSource(<context>)` resolve to that context's only.
 */
export const CONTEXT_NAME = Symbol('CONTEXT_NAME');

@Module({})
export class ContextPersistenceModule {
  static forContext(storage: ContextStorage): DynamicModule {
    const dataSourceToken = getDataSourceToken(storage.name);
    return {
      module: ContextPersistenceModule,
      imports: [
        TypeOrmModule.forRootAsync({
          name: storage.name,
          // The runtime's slices that PlatformModule provides, not the runtime: the database sits below it.
          inject: [DatabaseTopology, AppConfig],
          useFactory: (topology: DatabaseTopology, config: AppConfig) => ({
            type: 'postgres' as const,
            name: storage.name,
            url: topology.access(storage.name).url,
            schema: storage.name,
            entities: storage.entities,
            synchronize: false,
            migrationsRun: false,
            logging: false,
            extra: { max: config.DATABASE_POOL_SIZE, application_name: `eda:${storage.name}` },
          }),
        }),
      ],
      providers: [
        // Keeps each context's dynamic module distinct even where the rest of its metadata reads the same.
        { provide: CONTEXT_NAME, useValue: storage.name },
        {
          provide: UnitOfWork,
          inject: [dataSourceToken, EventLogAppender, MetricsService],
          useFactory: (dataSource: DataSource, appender: EventLogAppender, metrics: MetricsService) => {
            const uow = new UnitOfWork(storage.name, dataSource, appender);
            const appended = metrics.counter('eda_events_appended_total', 'Events committed to the event log', ['source', 'type']);
            uow.onCommitted((source, events) => events.forEach(({ event }) => appended.inc({ source, type: event.type })));
            return uow;
          },
        },
      ],
      exports: [UnitOfWork, TypeOrmModule, CONTEXT_NAME],
    };
  }
}
