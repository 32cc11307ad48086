import { hostname } from 'node:os';
import type { AppConfig } from '../config/app-config';

export interface ConsumerOptions {
  consumerGroup: string;
  workerId: string;
  streamPrefix: string;
  leaseDurationMs: number;
  /** Renewal and balancing period: a third of the lease, so two missed renewals still keep it. */
  leaseTickMs: number;
  shardSyncMs: number;
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
  idlePollMaxMs: number;
  /** Kinesis allows 5 GetRecords per second per shard: GET_RECORDS_PACE_MS by default. */
  minPollIntervalMs: number;
  maxRecordsPerCall: number;
  /** Partition keys of one batch handled at once (each key stays sequential). */
  keyConcurrency: number;
  /** `polling`: GetRecords; `efo`: enhanced fan-out, a SubscribeToShard push per leased shard (ADR 0015). */
  mode: 'polling' | 'efo';
  /** EFO: a subscription is renewed (from its continuation) after this long; Kinesis ends each one after 5 minutes. */
  efoSubscriptionMs: number;
}

/**
 * Kinesis allows 5 GetRecords per second per shard, counted where it receives them. Reads 200 ms apart as sent
 * can arrive closer (one request waits longer in the socket than the next) and make a sixth in a second: the pace
 * keeps 10 ms of room for that jitter.
 */
export const GET_RECORDS_PACE_MS = 210;

export function consumerOptionsFrom(config: AppConfig, overrides: Partial<ConsumerOptions> = {}): ConsumerOptions {
  return {
    consumerGroup: config.CONSUMER_GROUP,
    workerId: config.WORKER_ID ?? `${hostname()}-${process.pid}`,
    streamPrefix: config.STREAM_PREFIX,
    leaseDurationMs: config.LEASE_DURATION_MS,
    leaseTickMs: Math.max(200, Math.floor(config.LEASE_DURATION_MS / 3)),
    shardSyncMs: config.CONSUMER_SHARD_SYNC_MS,
    maxAttempts: config.CONSUMER_MAX_ATTEMPTS,
    retryBaseMs: config.CONSUMER_RETRY_BASE_MS,
    retryMaxMs: Math.max(config.CONSUMER_RETRY_BASE_MS, 10_000),
    idlePollMaxMs: config.CONSUMER_IDLE_POLL_MAX_MS,
    minPollIntervalMs: GET_RECORDS_PACE_MS,
    maxRecordsPerCall: 1000,
    keyConcurrency: 16,
    mode: config.CONSUMER_MODE,
    efoSubscriptionMs: 280_000,
    ...overrides,
  };
}
