// Relay throughput against a raw PutRecords loop of the same records on the same Kinesis engine.
import { randomUUID } from 'node:crypto';
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { Client, Pool } from 'pg';
import { loadConfig } from '../libs/platform/src/config/app-config';
import { DatabaseTopology } from '../libs/platform/src/database/database-topology';
import { provisionDatabase } from '../libs/platform/src/database/provision-database';
import { contextStoreMigrations } from '../libs/platform/src/event-log/context-store-migrations';
import { createKinesisClient } from '../libs/platform/src/kinesis/kinesis-connection';
import { StreamProvisioner } from '../libs/platform/src/kinesis/stream-provisioner';
import { MetricsService } from '../libs/platform/src/observability/metrics.service';
import { platformStorage } from '../libs/platform/src/platform-storage';
import { Relay } from '../libs/platform/src/relay/relay';
import { RelayMetrics } from '../libs/platform/src/relay/relay-metrics';
import { readRelayStatus } from '../libs/platform/src/relay/relay-status';
import { startBenchInfrastructure } from './bench-infrastructure';

const EVENTS = Number(process.env.BENCH_RELAY_EVENTS ?? 5_000);
const KEYS = Number(process.env.BENCH_RELAY_KEYS ?? 1_000);
const storages = [platformStorage, { name: 'users', entities: [], migrations: contextStoreMigrations }];

function envelope(key: string, seq: number): string {
  return JSON.stringify({
    specversion: '1.0', id: randomUUID(), source: 'users', type: 'users.Counted', subject: key, time: new Date().toISOString(),
    datacontenttype: 'application/json', data: { key, seq, padding: 'x'.repeat(200) }, partitionkey: key, correlationid: 'c', causationid: 'c',
  });
}

async function insertEvents(url: string, rows: Array<{ key: string; data: string }>): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    for (let i = 0; i < rows.length; i += 500) {
      const chunk = rows.slice(i, i + 500);
      await client.query(
        `INSERT INTO event_log (id, source, type, subject, partition_key, stream, time, envelope, content_hash)
         SELECT e->>'id', 'users', 'users.Counted', k, k, 'users-events', now(), e, 'h'
           FROM unnest($1::text[], $2::jsonb[]) AS t(k, e)`,
        [chunk.map((r) => r.key), chunk.map((r) => r.data)],
      );
    }
  } finally {
    await client.end();
  }
}

export async function run(): Promise<void> {
  const stops: Array<() => Promise<void>> = [];
  try {
    const { serverUrl, endpoint, stop } = await startBenchInfrastructure('relay');
    stops.push(stop);
    const topology = new DatabaseTopology(serverUrl);
    await provisionDatabase(topology, storages);
    const kinesis = createKinesisClient({ endpoint, region: 'us-east-1', description: 'bench' });
    const makeRecords = () => Array.from({ length: EVENTS }, (_, i) => ({ key: `key-${i % KEYS}`, data: envelope(`key-${i % KEYS}`, Math.floor(i / KEYS)) }));
    const records = makeRecords();

    // Baseline: the same records, 500 per PutRecords call, one call after another, no ordering guarantees.
    const rawStream = `bench-raw-${process.pid}`;
    const provisioner = new StreamProvisioner(kinesis, { shards: 2, retentionHours: 24 });
    await provisioner.ensure(rawStream);
    const rawStart = performance.now();
    for (let i = 0; i < records.length; i += 500) {
      let pending = records.slice(i, i + 500);
      while (pending.length > 0) {
        const result = await kinesis.send(new PutRecordsCommand({
          StreamName: rawStream, Records: pending.map((r) => ({ PartitionKey: r.key, Data: Buffer.from(r.data) })),
        }));
        pending = pending.filter((_, j) => result.Records?.[j]?.ErrorCode);
      }
    }
    const rawRate = EVENTS / ((performance.now() - rawStart) / 1000);

    const results: Array<{ mode: string; rate: number }> = [];
    for (const mode of ['wal', 'polling'] as const) {
      const prefix = `bench-${mode}-${process.pid}-`;
      const relay = new Relay({
        config: loadConfig({ STREAM_PREFIX: prefix, RELAY_MODE: mode, STREAM_SHARDS: '2' }),
        topology, storages, kinesis, metrics: new RelayMetrics(new MetricsService()),
      });
      relay.start();
      while (!relay.active) await new Promise((r) => setTimeout(r, 20));
      const pool = new Pool({ connectionString: topology.access('platform').url, max: 1 });
      const start = performance.now();
      await insertEvents(topology.access('users').url, makeRecords());
      while ((await readRelayStatus(pool, storages.map((s) => s.name))).pending > 0) await new Promise((r) => setTimeout(r, 20));
      results.push({ mode, rate: EVENTS / ((performance.now() - start) / 1000) });
      await pool.end();
      await relay.stop();
    }
    kinesis.destroy();
    console.log(`${EVENTS} events of ~${records[0].data.length} bytes over ${KEYS} keys, kinesalite, 2 shards`);
    console.log(`raw PutRecords loop (500/call, no ordering):  ${rawRate.toFixed(0)} records/s`);
    for (const { mode, rate } of results) {
      console.log(`relay ${mode.padEnd(7)} (insert → confirmed + stamped): ${rate.toFixed(0)} records/s  ratio ${(rate / rawRate).toFixed(2)}`);
    }
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  }
}
