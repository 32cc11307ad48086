import type { Counter, Gauge, Histogram } from 'prom-client';
import type { MetricsService } from '../observability/metrics.service';

/** The consumer's Prometheus metrics (docs/contract.md §3): lag per shard, throughput, handler time and failures, leases, dead letters. */
export class ConsumerMetrics {
  readonly millisBehindLatest: Gauge;
  readonly recordsProcessed: Counter;
  readonly handlerDuration: Histogram;
  readonly handlerFailures: Counter;
  readonly batchFallbacks: Counter;
  readonly deliveryLatency: Histogram;
  readonly leasesOwned: Gauge;
  readonly deadLettersParked: Gauge;
  readonly deadLettersTotal: Counter;
  readonly streamResets: Counter;
  readonly getRecords: Counter;
  readonly subscriptions: Counter;

  constructor(metrics: MetricsService) {
    this.millisBehindLatest = metrics.gauge('eda_consumer_millis_behind_latest', 'How far the reader of a shard is behind its tip', ['stream', 'shard']);
    this.recordsProcessed = metrics.counter('eda_consumer_records_processed_total', 'Messages delivered to a handler, by outcome (applied, duplicate)', ['stream', 'handler', 'outcome']);
    this.handlerDuration = metrics.histogram('eda_consumer_handler_duration_seconds', 'Time of one handler transaction (one message, or a batch of them)', ['handler'], [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]);
    this.handlerFailures = metrics.counter('eda_consumer_handler_failures_total', 'Handler attempts that threw', ['handler']);
    this.batchFallbacks = metrics.counter('eda_consumer_batch_fallbacks_total', 'Batch transactions that failed (a handler threw, a lock wait ran out) and were applied one message at a time', ['handler']);
    this.deliveryLatency = metrics.histogram('eda_consumer_delivery_latency_seconds', 'From the event time (its commit) to its handler committing', ['handler'], [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]);
    this.leasesOwned = metrics.gauge('eda_consumer_leases_owned', 'Shard leases this worker holds', ['worker']);
    this.deadLettersParked = metrics.gauge('eda_consumer_dead_letters_parked', 'Messages parked in the dead-letter table');
    this.streamResets = metrics.counter('eda_consumer_stream_resets_total', 'Times the group dropped a stream\'s leases because the stream was re-created (data lost in the engine, or deleted and made again)', ['stream']);
    this.getRecords = metrics.counter('eda_consumer_get_records_total', 'GetRecords calls made, per shard (Kinesis allows 5 per second per shard)', ['stream', 'shard']);
    this.subscriptions = metrics.counter('eda_consumer_subscribe_to_shard_total', 'Enhanced fan-out SubscribeToShard calls made, per shard (each subscription lasts at most 5 minutes)', ['stream', 'shard']);
    this.deadLettersTotal = metrics.counter('eda_consumer_dead_letters_total', 'Messages parked, by handler', ['handler']);
  }
}
