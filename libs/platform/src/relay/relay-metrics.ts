import type { MetricsService } from '../observability/metrics.service';

export type MetricsSource = Pick<MetricsService, 'counter' | 'gauge'>;

/** The relay's Prometheus series (CONTRACT §3: relay lag in ms and rows, PutRecords records sent/failed/throttled). */
export class RelayMetrics {
  readonly sent;
  readonly failed;
  readonly throttled;
  readonly retries;
  readonly calls;
  readonly lagMs;
  readonly lagRows;

  constructor(metrics: MetricsSource) {
    this.sent = metrics.counter('relay_records_sent_total', 'Event-log records Kinesis confirmed', ['stream']);
    this.failed = metrics.counter('relay_records_failed_total', 'Records Kinesis refused (retried later)', ['code']);
    this.throttled = metrics.counter('relay_records_throttled_total', 'Records or calls refused for throughput (retried later)');
    this.retries = metrics.counter('relay_retries_total', 'Records sent again after a failure');
    this.calls = metrics.counter('relay_put_records_calls_total', 'PutRecords calls made', ['outcome']);
    this.lagMs = metrics.gauge('relay_lag_ms', 'Age of the oldest event-log row not yet on Kinesis');
    this.lagRows = metrics.gauge('relay_lag_rows', 'Event-log rows not yet on Kinesis');
  }
}
