import { DynamicModule, Module } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { ContextPersistenceModule } from '../database/context-persistence.module';
import { PlatformRuntime } from '../platform-runtime';
import { platformStorage } from '../platform-storage';
import { CloudEventsContentType } from './cloud-events-content-type';
import { EventBusIngress } from './event-bus-ingress';
import { EventLogQuery } from './event-log-query';
import { EventsController } from './events.controller';
import { EventLogReadGuard } from './producer-key.guard';
import { ProducerKeyCacheHost } from './producer-key-cache.host';
import { ProducerKeyStore } from './producer-key-store';

/**
 * The event bus' own storage and HTTP surface: the platform schema (external producers' events, producer
 * keys) and, with the api role, POST /events and GET /events.
 */
@Module({})
export class EventLogModule {
  static forRoot(options: { routes: boolean }): DynamicModule {
    return {
      module: EventLogModule,
      global: true,
      imports: [ContextPersistenceModule.forContext(platformStorage)],
      controllers: options.routes ? [EventsController] : [],
      providers: [
        {
          provide: ProducerKeyStore,
          inject: [getDataSourceToken(platformStorage.name), PlatformRuntime],
          useFactory: (db: DataSource, runtime: PlatformRuntime) => new ProducerKeyStore(db, runtime.storages.map((s) => s.name)),
        },
        EventBusIngress,
        EventLogQuery,
        EventLogReadGuard,
        ...(options.routes ? [CloudEventsContentType, ProducerKeyCacheHost] : []),
      ],
      exports: [ContextPersistenceModule, ProducerKeyStore, EventBusIngress, EventLogQuery],
    };
  }
}
