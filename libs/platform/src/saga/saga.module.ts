import { Module } from '@nestjs/common';
import { SagaDeadlineScheduler } from './saga-deadline-scheduler';
import { SagaOpsController } from './saga-ops.controller';
import { SagaRegistry } from './saga-registry';

/**
 * The saga runtime: the registry contexts put their saga types in, the deadline scheduler, GET /ops/sagas
 * and the `eda_sagas` gauge. A static module, so every context that imports it shares one registry and one
 * scheduler. Needs the global PlatformModule (AppConfig, Clock, MetricsService).
 */
@Module({
  controllers: [SagaOpsController],
  providers: [SagaRegistry, SagaDeadlineScheduler],
  exports: [SagaRegistry, SagaDeadlineScheduler],
})
export class SagaModule {}
