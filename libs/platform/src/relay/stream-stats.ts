import { DescribeStreamSummaryCommand, KinesisClient, ListStreamsCommand } from '@aws-sdk/client-kinesis';
import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { KPL_RECORD_OVERHEAD } from '../event-log/cloud-event';
import { createKinesisClient } from '../kinesis/kinesis-connection';
import { PlatformRuntime } from '../platform-runtime';
import { Rate, SHARD_BYTES_PER_SECOND, SHARD_RECORDS_PER_SECOND, sizeStream, StreamSizing, TARGET_UTILISATION } from './stream-sizing';
import { ident } from '../sql/ident';

const WINDOW_SECONDS = 60;
const TOP_KEYS = 10;
/** Shard counts change rarely and DescribeStreamSummary is limited (20/s per account): asked at most this often. */
const SHARDS_TTL_MS = 10_000;

export interface StreamView extends StreamSizing {
  /** The stream's name without STREAM_PREFIX, as the event log names it. */
  stream: string;
  physicalStream: string;
  shards: number | null;
  rate: Rate;
}

/** GET /ops/streams. */
export interface StreamsReport {
  windowSeconds: number;
  limits: { recordsPerSecondPerShard: number; bytesPerSecondPerShard: number; targetUtilisation: number };
  /** When the figures were computed (the page shows them stale past a few seconds). */
  at: string;
  streams: StreamView[];
}

interface Row {
  kind: 'stream' | 'key';
  stream: string;
  key: string | null;
  records: string;
  bytes: string;
  peak_records: string;
  peak_bytes: string;
}

/**
 * What each stream takes in, measured on the event logs (what the relay publishes) over the last minute,
 * against its shard count from Kinesis. Bytes are counted as Kinesis counts them (ADR 0011: envelope, the
 * partition key twice, aggregation framing). Reading the logs by `recorded_at` uses their recorded index.
 */
@Injectable()
export class StreamStats implements OnApplicationShutdown {
  private readonly kinesis: KinesisClient;
  private shardCache?: { at: number; shards: Map<string, number | null> };

  constructor(private readonly runtime: PlatformRuntime, @InjectDataSource('platform') private readonly db: DataSource) {
    this.kinesis = createKinesisClient(runtime.kinesis, { maxAttempts: 1 });
  }

  onApplicationShutdown(): void {
    this.kinesis.destroy();
  }

  async report(): Promise<StreamsReport> {
    const rows = await this.lastMinute();
    const prefix = this.runtime.config.STREAM_PREFIX;
    const shards = await this.shardCounts();
    const names = new Set([...rows.map((r) => r.stream), ...[...shards.keys()].map((physical) => physical.slice(prefix.length))]);
    const streams = [...names].sort().map((stream) => {
      const total = rows.find((r) => r.kind === 'stream' && r.stream === stream);
      const keys = rows.filter((r) => r.kind === 'key' && r.stream === stream).map((r) => ({ key: r.key!, rate: toRate(r) }));
      const physicalStream = `${prefix}${stream}`;
      const load = { stream, shards: shards.has(physicalStream) ? shards.get(physicalStream)! : null, rate: total ? toRate(total) : toRate(), keys };
      return { stream, physicalStream, shards: load.shards, rate: load.rate, ...sizeStream(load) };
    });
    return {
      windowSeconds: WINDOW_SECONDS,
      limits: { recordsPerSecondPerShard: SHARD_RECORDS_PER_SECOND, bytesPerSecondPerShard: SHARD_BYTES_PER_SECOND, targetUtilisation: TARGET_UTILISATION },
      at: new Date().toISOString(),
      streams,
    };
  }

  private async lastMinute(): Promise<Row[]> {
    const schemas = [...new Set(['platform', ...this.runtime.storages.map((s) => s.name)])];
    const recent = schemas
      .map((schema) => `SELECT stream, partition_key, recorded_at,
                               octet_length(envelope::text) + 2 * octet_length(partition_key) + ${KPL_RECORD_OVERHEAD} AS bytes
                          FROM ${ident(schema)}.event_log WHERE recorded_at > clock_timestamp() - make_interval(secs => $1)`)
      .join(' UNION ALL ');
    return this.db.query(
      `WITH recent AS (${recent}),
       per_second AS (SELECT stream, partition_key, date_trunc('second', recorded_at) AS second, count(*) AS n, sum(bytes) AS b
                        FROM recent GROUP BY 1, 2, 3),
       per_stream_second AS (SELECT stream, second, sum(n) AS n, sum(b) AS b FROM per_second GROUP BY 1, 2),
       per_key AS (SELECT stream, partition_key, sum(n) AS n, sum(b) AS b, max(n) AS peak_n, max(b) AS peak_b,
                          row_number() OVER (PARTITION BY stream ORDER BY greatest(max(n) / ${SHARD_RECORDS_PER_SECOND}.0, max(b) / ${SHARD_BYTES_PER_SECOND}.0) DESC, sum(n) DESC, partition_key) AS rank
                     FROM per_second GROUP BY 1, 2)
       SELECT 'stream' AS kind, stream, NULL AS key, sum(n)::text AS records, sum(b)::text AS bytes, max(n)::text AS peak_records, max(b)::text AS peak_bytes
         FROM per_stream_second GROUP BY stream
       UNION ALL
       SELECT 'key', stream, partition_key, n::text, b::text, peak_n::text, peak_b::text FROM per_key WHERE rank <= ${TOP_KEYS}
       ORDER BY 1 DESC, 2`,
      [WINDOW_SECONDS],
    );
  }

  /** Open shards of this installation's streams (STREAM_PREFIX); an empty map when Kinesis does not answer. */
  private async shardCounts(): Promise<Map<string, number | null>> {
    if (this.shardCache && Date.now() - this.shardCache.at < SHARDS_TTL_MS) return this.shardCache.shards;
    const shards = new Map<string, number | null>();
    try {
      const prefix = this.runtime.config.STREAM_PREFIX;
      const names: string[] = [];
      let start: string | undefined;
      for (let page = 0; page < 20; page++) {
        const listed = await this.kinesis.send(new ListStreamsCommand({ ExclusiveStartStreamName: start, Limit: 100 }));
        const batch = listed.StreamNames ?? [];
        names.push(...batch.filter((n) => n.startsWith(prefix)));
        if (!listed.HasMoreStreams || batch.length === 0) break;
        start = batch[batch.length - 1];
      }
      await Promise.all(
        names.map(async (name) => {
          const summary = await this.kinesis.send(new DescribeStreamSummaryCommand({ StreamName: name })).catch(() => undefined);
          const d = summary?.StreamDescriptionSummary;
          shards.set(name, d ? (d.StreamModeDetails?.StreamMode === 'ON_DEMAND' ? 0 : d.OpenShardCount ?? null) : null);
        }),
      );
    } catch {
      // Kinesis unreachable: the figures from the logs still stand; the advice says the count is unknown.
      return shards;
    }
    this.shardCache = { at: Date.now(), shards };
    return shards;
  }
}

function toRate(row?: Row): Rate {
  const records = row ? Number(row.records) : 0;
  const bytes = row ? Number(row.bytes) : 0;
  return {
    records,
    bytes,
    recordsPerSecond: records / WINDOW_SECONDS,
    bytesPerSecond: bytes / WINDOW_SECONDS,
    peakRecordsPerSecond: row ? Number(row.peak_records) : 0,
    peakBytesPerSecond: row ? Number(row.peak_bytes) : 0,
  };
}
