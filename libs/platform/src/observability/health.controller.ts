import { Controller, Get, Logger } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { ReadinessRegistry, ReadinessTimeoutError } from './readiness';

@ApiTags('operations')
@Controller('health')
export class HealthController {
  private readonly logger = new Logger('Health');

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

  /**
   * Database, Kinesis and relay lag: 503 with details when one is down. The route is open, so a failing
   * check reports a stable reason code (TIMEOUT, UNAVAILABLE) and the driver's own words, which may name
   * hosts, users or paths, go to the log only.
   */
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
          this.logger.warn({ check: c.name, err: error }, 'readiness check failed');
          return indicator.down({ reason: error instanceof ReadinessTimeoutError ? 'TIMEOUT' : 'UNAVAILABLE' });
        }
      }),
    );
  }
}
