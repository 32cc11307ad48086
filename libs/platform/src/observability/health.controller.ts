import { Controller, Get } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { ReadinessRegistry } from './readiness';

@ApiTags('operations')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly checks: ReadinessRegistry,
  ) {}

  /** The process is running and its event loop answers. */
  @Get('live')
  @HealthCheck()
  live() {
    return this.health.check([]);
  }

  /** Database, Kinesis and relay lag: 503 with details when one is down. */
  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check(
      this.checks.all().map((c) => async (): Promise<HealthIndicatorResult> => {
        const indicator = this.indicators.check(c.name);
        try {
          const { up, details } = await c.check();
          return up ? indicator.up(details) : indicator.down(details);
        } catch (error) {
          return indicator.down({ error: error instanceof Error ? error.message : String(error) });
        }
      }),
    );
  }
}
