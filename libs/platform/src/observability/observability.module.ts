import { Global, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health.controller';
import { InfrastructureReadiness } from './infrastructure-readiness';
import { MetricsController } from './metrics.controller';
import { ReadinessRegistry } from './readiness';

/** /health/live, /health/ready and /metrics, served by every process whatever its roles. */
@Global()
@Module({
  imports: [TerminusModule.forRoot({ logger: false })],
  controllers: [HealthController, MetricsController],
  providers: [ReadinessRegistry, InfrastructureReadiness],
  exports: [ReadinessRegistry],
})
export class ObservabilityModule {}
