import { DynamicModule, Module } from '@nestjs/common';
import { ContextPersistenceModule } from '../database/context-persistence.module';
import { platformStorage } from '../platform-storage';
import { EventLogQuery } from './event-log-query';

/**
 * The platform schema's connection (its event log, producer keys, relay and consumer tables), for every
 * process, and the read side of the event logs (EventLogQuery: GET /events, GET /ops/sagas/:id). Global, so
 * the relay, the consumer's ops views and the ingress (IngressModule) inject the `platform` data source.
 */
@Module({})
export class EventLogModule {
  static forRoot(): DynamicModule {
    return {
      module: EventLogModule,
      global: true,
      imports: [ContextPersistenceModule.forContext(platformStorage)],
      providers: [EventLogQuery],
      exports: [ContextPersistenceModule, EventLogQuery],
    };
  }
}
