import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { Clock } from '../context/clock';
import { MetricsService } from '../observability/metrics.service';
import { SAGA_STATUSES } from './saga-instance';
import { SagaRegistry } from './saga-registry';
import { SagaStore } from './saga-store';

const POLL_MS = 500;
const GAUGE_REFRESH_MS = 5000;
/** Deadlines fired per saga type per tick: a backlog drains over several ticks instead of holding one loop. */
const MAX_PER_TICK = 200;

/**
 * Fires saga deadlines (docs/architecture.md §3.8): every POLL_MS, each due row is locked (FOR UPDATE SKIP LOCKED, so
 * processes with the consumer role share the work) and its saga takes its timeout input in the same
 * transaction. A deadline is a row, so a restart loses none. Also keeps the `eda_sagas{status}` gauge.
 */
@Injectable()
export class SagaDeadlineScheduler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('SagaDeadlineScheduler');
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;
  private lastGaugeRefresh = 0;

  constructor(
    private readonly registry: SagaRegistry,
    private readonly clock: Clock,
    private readonly config: AppConfig,
    private readonly metrics: MetricsService,
  ) {}

  onApplicationBootstrap(): void {
    this.schedule(0);
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /** Fires every deadline due now; returns how many sagas took their timeout input. */
  async fireDue(): Promise<number> {
    let fired = 0;
    for (const definition of this.registry.all()) {
      const failed: string[] = [];
      for (let i = 0; i < MAX_PER_TICK && !this.stopped; i++) {
        let claimed: string | null = null;
        try {
          const done = await definition.unitOfWork.run(async (tx) => {
            const due = await new SagaStore(tx.manager).claimDue(definition.sagaType, this.clock.now(), failed);
            if (!due) return false;
            claimed = due.id;
            await definition.onDeadline(due, tx);
            return true;
          });
          if (!done) break;
          fired++;
        } catch (error) {
          // One failing saga must not hold the others back; it is tried again on the next tick.
          if (claimed === null) throw error;
          failed.push(claimed);
          this.logger.warn({ err: error, sagaType: definition.sagaType, sagaId: claimed }, 'saga deadline failed');
        }
      }
    }
    return fired;
  }

  async refreshGauge(): Promise<void> {
    const gauge = this.metrics.gauge('eda_sagas', 'Saga instances by status', ['status']);
    const totals = new Map<string, number>(SAGA_STATUSES.map((s) => [s, 0]));
    for (const uow of this.registry.unitsOfWork()) {
      const counts = await new SagaStore(uow.dataSource.manager).countByStatus();
      for (const [status, n] of counts) totals.set(status, (totals.get(status) ?? 0) + n);
    }
    for (const [status, n] of totals) gauge.set({ status }, n);
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.tick().finally(() => {
        this.running = null;
        this.schedule(POLL_MS);
      });
    }, delay);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    try {
      // Deadlines fire where messages are handled: processes with the consumer role.
      if (this.config.hasRole('consumer')) await this.fireDue();
      if (Date.now() - this.lastGaugeRefresh >= GAUGE_REFRESH_MS) {
        this.lastGaugeRefresh = Date.now();
        await this.refreshGauge();
      }
    } catch (error) {
      if (!this.stopped) this.logger.warn({ err: error }, 'saga scheduler tick failed');
    }
  }
}
