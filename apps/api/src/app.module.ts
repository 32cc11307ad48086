import { DynamicModule, Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { LoggerModule } from 'nestjs-pino';
import { ConsoleModule, ConsumerModule, ConsumerOpsModule, EventLogModule, IngressModule, ObservabilityModule, PlatformModule, PlatformRuntime, RelayModule } from '@eda/platform';
import { contextImports } from './contexts';
import { loggerOptions } from './logging';

/**
 * Everything in one process; ROLES picks what runs. Every process serves health, metrics, docs and ops;
 * `api` adds the contexts' REST routes and the event bus ingress.
 */
@Module({})
export class AppModule {
  static forRoot(runtime: PlatformRuntime): DynamicModule {
    const api = runtime.config.hasRole('api');
    return {
      module: AppModule,
      imports: [
        LoggerModule.forRoot(loggerOptions(runtime.config)),
        PlatformModule.forRoot(runtime),
        CqrsModule.forRoot(),
        ObservabilityModule,
        EventLogModule.forRoot(),
        // Producer keys in every process (the rate limit asks them); POST /events and GET /events only with the api role.
        IngressModule.forRoot({ routes: api }),
        ...contextImports(api),
        // GET /ops/relay everywhere; the relay itself starts only with the relay role (one active per database).
        RelayModule,
        // Ops views of the consumer (leases, dead letters) in every process; the worker only with the consumer role.
        runtime.config.hasRole('consumer') ? ConsumerModule : ConsumerOpsModule,
        // The operations console's static shell (its data comes from /ops/*).
        ConsoleModule,
      ],
    };
  }
}
