// Relay throughput against a raw PutRecords loop of the same records on the same Kinesis engine.
import { randomUUID } from 'node:crypto';
import { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { Client, Pool } from 'pg';
import { loadConfig } from '../libs/platform/src/config/app-config';
import { DatabaseTopology } from '../libs/platform/src/database/database-topology';
import { provisionDatabase } from '../libs/platform/src/database/provision-database';
import { contextStoreMigrations } from '../libs/platform/src/event-log/context-store-migrations';
import { createKinesisClient } from '../libs/platform/src/kinesis/kinesis-connection';
import { StreamProvisioner } from '../libs/platform/src/kinesis/stream-provisioner';
import { MetricsService } from '../libs/platform/src/observability/metrics.service';
import { platformStorage } from '../libs/platform/src/platform-storage';
import { relaySlotName } from '../libs/platform/src/relay/provision-relay';
import { Relay } from '../libs/platform/src/relay/relay';
import { RelayMetrics } from '../libs/platform/src/relay/relay-metrics';
import { readRelayStatus } from '../libs/platform/src/relay/relay-status';
import { report } from './results';
import { startBenchInfrastructure } from './bench-infrastructure';

const EVENTS = Number(process.env.BENCH_RELAY_EVENTS ?? 5_000);
const KEYS = Number(process.env.BENCH_RELAY_KEYS ?? 1_000);
const ROUNDS = Number(process.env.BENCH_RELAY_ROUNDS ?? 3);
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

/** The same records, 500 per PutRecords call, one call after another, no ordering guarantees: records/s. */
async function rawLoop(kinesis: KinesisClient, stream: string, records: Array<{ key: string; data: string }>): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < records.length; i += 500) {
    let pending = records.slice(i, i + 500);
    while (pending.length > 0) {
      const result = await kinesis.send(new PutRecordsCommand({
        StreamName: stream, Records: pending.map((r) => ({ PartitionKey: r.key, Data: Buffer.from(r.data) })),
      }));
      pending = pending.filter((_, j) => result.Records?.[j]?.ErrorCode);
    }
  }
  return records.length / ((performance.now() - start) / 1000);
}

async function skipSlotToNow(topology: DatabaseTopology): Promise<void> {
  const client = new Client({ connectionString: topology.replicationAccess().url });
  await client.connect();
  try {
    await client.query(
      `SELECT pg_replication_slot_advance(slot_name, pg_current_wal_lsn()) FROM pg_replication_slots WHERE slot_name = $1`,
      [relaySlotName(topology)],
    );
  } finally {
    await client.end();
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

export async function run(): Promise<void> {
  const stops: Array<() => Promise<void>> = [];
  try {
    const { serverUrl, endpoint, stop } = await startBenchInfrastructure('relay');
    stops.push(stop);
    const topology = new DatabaseTopology(serverUrl);
    await provisionDatabase(topology, storages);
    const kinesis = createKinesisClient({ endpoint, region: 'us-east-1', description: 'bench' });
    const makeRecords = (count = EVENTS) => Array.from({ length: count }, (_, i) => ({ key: `key-${i % KEYS}`, data: envelope(`key-${i % KEYS}`, Math.floor(i / KEYS)) }));
    const records = makeRecords();
    const rawStream = `bench-raw-${process.pid}`;
    const provisioner = new StreamProvisioner(kinesis, { shards: 2, retentionHours: 24 });
    await provisioner.ensure(rawStream);

    /** Insert → every row confirmed by Kinesis and stamped published (GET /ops/relay's pending is 0): records/s. */
    let relays = 0;
    const relayRun = async (mode: 'wal' | 'polling', count = EVENTS): Promise<number> => {
      const prefix = `bench-${mode}-${process.pid}-${++relays}-`;
      const relay = new Relay({
        config: loadConfig({ STREAM_PREFIX: prefix, RELAY_MODE: mode, STREAM_SHARDS: '2' }),
        topology, storages, kinesis, metrics: new RelayMetrics(new MetricsService()),
      });
      // The slot still holds the rows the polling runs published: a WAL relay starts at the present, as it
      // would in a deployment that never stopped relaying, instead of sending them again while timed.
      if (mode === 'wal') await skipSlotToNow(topology);
      relay.start();
      const pool = new Pool({ connectionString: topology.access('platform').url, max: 1 });
      try {
        while (!relay.active) await new Promise((r) => setTimeout(r, 20));
        const start = performance.now();
        await insertEvents(topology.access('users').url, makeRecords(count));
        while ((await readRelayStatus(pool, storages.map((s) => s.name))).pending > 0) await new Promise((r) => setTimeout(r, 20));
        return count / ((performance.now() - start) / 1000);
      } finally {
        await pool.end();
        await relay.stop();
      }
    };

    // The machine is shared and its load moves: each relay run is set against the raw loops just before and
    // just after it, over several rounds, and the medians are reported. A first, smaller round warms up.
    await rawLoop(kinesis, rawStream, makeRecords(1_000));
    for (const mode of ['wal', 'polling'] as const) await relayRun(mode, 1_000);
    const raws: number[] = [];
    const rates = { wal: [] as number[], polling: [] as number[] };
    const ratios = { wal: [] as number[], polling: [] as number[] };
    console.log(`${EVENTS} events of ~${records[0].data.length} bytes over ${KEYS} keys, kinesalite, 2 shards, ${ROUNDS} rounds`);
    for (let round = 1; round <= ROUNDS; round++) {
      let before = await rawLoop(kinesis, rawStream, records);
      raws.push(before);
      const line: string[] = [`raw ${before.toFixed(0)}`];
      for (const mode of ['wal', 'polling'] as const) {
        const rate = await relayRun(mode);
        const after = await rawLoop(kinesis, rawStream, records);
        raws.push(after);
        const ratio = rate / ((before + after) / 2);
        rates[mode].push(rate);
        ratios[mode].push(ratio);
        line.push(`${mode} ${rate.toFixed(0)} (${ratio.toFixed(2)})`, `raw ${after.toFixed(0)}`);
        before = after;
      }
      console.log(`  round ${round}: ${line.join(', ')} records/s`);
    }
    kinesis.destroy();
    const rawRate = median(raws);
    console.log(`raw PutRecords loop (500/call, no ordering):  ${rawRate.toFixed(0)} records/s (median)`);
    report({ bench: 'relay', name: 'raw PutRecords loop (500/call, no ordering)', value: Math.round(rawRate), unit: 'records/s' });
    for (const mode of ['wal', 'polling'] as const) {
      const rate = median(rates[mode]);
      const ratio = median(ratios[mode]);
      console.log(`relay ${mode.padEnd(7)} (insert → confirmed + stamped): ${rate.toFixed(0)} records/s  ratio ${ratio.toFixed(2)} (medians)`);
      report({ bench: 'relay', name: `relay ${mode} (insert → confirmed + stamped)`, value: Math.round(rate), unit: 'records/s' });
      report({ bench: 'relay', name: `relay ${mode} ÷ raw PutRecords loop`, value: Number(ratio.toFixed(2)), unit: '×', goal: { kind: 'min', value: mode === 'wal' ? 0.9 : 0.7 } });
    }
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  }
}
