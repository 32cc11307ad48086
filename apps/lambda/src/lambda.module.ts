import { DynamicModule, Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { LoggerModule } from 'nestjs-pino';
import { EventLogModule, KinesisEventConsumerModule, PlatformModule, PlatformRuntime } from '@eda/platform';
import { contextImports } from '../../api/src/contexts';
import { loggerOptions } from '../../api/src/logging';

/**
 * The contexts and their `@OnMessage` handlers with the Kinesis event consumer, and nothing that serves or
 * polls: no HTTP routes, no relay, no consumer worker, no wake-up channel, no saga deadlines (the process
 * runs with no ROLES; see ADR 0014). The same context list as the api app, so both run the same handlers.
 */
@Module({})
export class LambdaModule {
  static forRoot(runtime: PlatformRuntime): DynamicModule {
    return {
      module: LambdaModule,
      imports: [
        LoggerModule.forRoot(loggerOptions(runtime.config)),
        PlatformModule.forRoot(runtime),
        CqrsModule.forRoot(),
        // The platform connection and the event log's read side; no ingress: the process serves no routes.
        EventLogModule.forRoot(),
        ...contextImports(false),
        KinesisEventConsumerModule,
      ],
    };
  }
}
