import { DynamicModule, Module } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { PLATFORM_SCHEMA } from '../database/context-definition';
import { PlatformRuntime } from '../platform-runtime';
import { CloudEventsContentType } from './cloud-events-content-type';
import { EventBusIngress } from './event-bus-ingress';
import { EventsController } from './events.controller';
import { EventLogReadGuard } from './producer-key.guard';
import { ProducerKeyCacheHost } from './producer-key-cache.host';
import { ProducerKeyStore } from './producer-key-store';

/**
 * The event bus' door for external producers: producer keys and, with the api role, POST /events and
 * GET /events. Import it beside EventLogModule (global), whose `platform` connection and EventLogQuery it uses.
 */
@Module({})
export class IngressModule {
  static forRoot(options: { routes: boolean }): DynamicModule {
    return {
      module: IngressModule,
      global: true,
      controllers: options.routes ? [EventsController] : [],
      providers: [
        {
          provide: ProducerKeyStore,
          inject: [getDataSourceToken(PLATFORM_SCHEMA), PlatformRuntime],
          useFactory: (db: DataSource, runtime: PlatformRuntime) => new ProducerKeyStore(db, runtime.storages.map((s) => s.name)),
        },
        EventBusIngress,
        EventLogReadGuard,
        ...(options.routes ? [CloudEventsContentType, ProducerKeyCacheHost] : []),
      ],
      exports: [ProducerKeyStore, EventBusIngress],
    };
  }
}
