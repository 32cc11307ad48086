import { DynamicModule, Module } from '@nestjs/common';
import { ContextPersistenceModule } from '../database/context-persistence.module';
import { platformStorage } from '../platform-storage';

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
      controllers: options.routes ? [] : [],
      providers: [],
      exports: [ContextPersistenceModule],
    };
  }
}
