import type { MetricsService } from '../observability/metrics.service';

export type MetricsSource = Pick<MetricsService, 'counter' | 'gauge'>;

/**
 * The relay's Prometheus series (docs/contract.md §3: relay lag as age and rows, PutRecords records sent/failed/throttled),
 * named by Prometheus conventions: `eda_` prefix, seconds, `_total` for counters.
 */
export class RelayMetrics {
  readonly sent;
  readonly failed;
  readonly throttled;
  readonly retries;
  readonly calls;
  readonly lagSeconds;
  readonly lagRows;
  readonly parked;
  readonly parkedRecords;
  readonly undelivered;

  constructor(metrics: MetricsSource) {
    this.sent = metrics.counter('eda_relay_records_sent_total', 'Event-log records Kinesis confirmed', ['stream']);
    this.failed = metrics.counter('eda_relay_records_failed_total', 'Records Kinesis refused (retried later, or parked when refused for good)', ['code']);
    this.throttled = metrics.counter('eda_relay_records_throttled_total', 'Records or calls refused for throughput (retried later)');
    this.retries = metrics.counter('eda_relay_retries_total', 'Records sent again after a failure');
    this.calls = metrics.counter('eda_relay_put_records_calls_total', 'PutRecords calls made', ['outcome']);
    this.lagSeconds = metrics.gauge('eda_relay_lag_seconds', 'Age of the oldest event-log row not yet on Kinesis, in seconds');
    this.lagRows = metrics.gauge('eda_relay_lag_rows', 'Event-log rows not yet on Kinesis (parked rows excluded)');
    this.parked = metrics.counter('eda_relay_parked_total', 'Records parked: refused for good by Kinesis (or too large), or behind such a record of their key', ['stream', 'code']);
    this.undelivered = metrics.counter('eda_relay_undelivered_rows_total', 'Committed rows the replication stream did not deliver, found by the relay (it restarts from the slot to publish them)');
    this.parkedRecords = metrics.gauge('eda_relay_parked_records', 'Parked records still holding their key back (parked or being retried)');
  }
}
