import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { createKinesisClient } from '../kinesis/kinesis-connection';
import { StreamProvisioner } from '../kinesis/stream-provisioner';
import { MetricsService } from '../observability/metrics.service';
import { PlatformRuntime } from '../platform-runtime';
import { Relay } from './relay';
import { RelayMetrics } from './relay-metrics';
import { readRelayStatus, RelayStatus } from './relay-status';
import { ShardWakeups } from '../wakeups/shard-wakeups';

/** The relay's state as every process sees it (from the database), and the relay itself when this process has the relay role. */
@Injectable()
export class RelayService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Relay');
  private readonly metrics: RelayMetrics;
  private readonly kinesis;
  readonly streams: StreamProvisioner;
  private relay?: Relay;
  private gaugeTimer?: NodeJS.Timeout;

  constructor(
    private readonly runtime: PlatformRuntime,
    metrics: MetricsService,
    // The platform schema's pool (EventLogModule): the status query needs no connection of its own.
    @InjectDataSource('platform') private readonly platform: DataSource,
    private readonly wakeups: ShardWakeups,
  ) {
    this.metrics = new RelayMetrics(metrics);
    this.kinesis = createKinesisClient(runtime.kinesis);
    const { config } = runtime;
    this.streams = new StreamProvisioner(this.kinesis, {
      shards: config.STREAM_SHARDS,
      retentionHours: config.STREAM_RETENTION_HOURS,
      kmsKeyId: config.STREAM_KMS_KEY_ID,
    }, { log: (line) => this.logger.log(line) });
  }

  onApplicationBootstrap(): void {
    if (!this.runtime.config.hasRole('relay')) return;
    this.relay = new Relay({
      config: this.runtime.config,
      topology: this.runtime.topology,
      storages: this.runtime.storages,
      kinesis: this.kinesis,
      metrics: this.metrics,
      provisioner: this.streams,
      log: (line) => this.logger.log(line),
      onShardsWritten: (stream, shards) => this.wakeups.published(stream, shards),
    });
    this.relay.start();
    this.gaugeTimer = setInterval(() => void this.status().catch(() => undefined), 2_000);
    this.gaugeTimer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.gaugeTimer);
    await this.relay?.stop();
    this.kinesis.destroy();
  }

  /** Whether this process is the active relay right now. */
  get activeHere(): boolean {
    return this.relay?.active ?? false;
  }

  async status(): Promise<RelayStatus> {
    const status = await readRelayStatus(this.platform, this.runtime.storages.map((s) => s.name));
    this.metrics.lagSeconds.set(status.lagMs / 1000);
    this.metrics.lagRows.set(status.pending);
    this.metrics.parkedRecords.set(status.parked);
    return status;
  }
}
