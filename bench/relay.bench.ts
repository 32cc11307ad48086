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
const MODES = ['wal', 'polling'] as const;
type Mode = (typeof MODES)[number];
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
      `SELECT pg_replication_slot_advance(slot_name, pg_current_wal_lsn()) FROM pg_replication_slots
        WHERE slot_name = $1 AND confirmed_flush_lsn < pg_current_wal_lsn()`,
      [relaySlotName(topology)],
    );
  } finally {
    await client.end();
  }
}

/**
 * Until the relay's walsender streams the present: a new walsender first decodes the WAL from its slot's restart
 * point (older than what the last relay acknowledged), work a relay that keeps running does once, not per run.
 */
async function waitForWalsender(serverUrl: string, slot: string): Promise<void> {
  const client = new Client({ connectionString: serverUrl });
  await client.connect();
  try {
    const { rows: [{ now }] } = await client.query<{ now: string }>('SELECT pg_current_wal_lsn()::text AS now');
    for (;;) {
      const { rows } = await client.query<{ caught_up: boolean }>(
        `SELECT r.sent_lsn >= $2::pg_lsn AS caught_up FROM pg_replication_slots s JOIN pg_stat_replication r ON r.pid = s.active_pid
          WHERE s.slot_name = $1`,
        [slot, now],
      );
      if (rows[0]?.caught_up) return;
      await new Promise((r) => setTimeout(r, 20));
    }
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

    /**
     * Insert → every row confirmed by Kinesis (`confirmed`) and stamped published, GET /ops/relay's pending
     * at 0 (`stamped`): records/s.
     */
    let relays = 0;
    const relayRun = async (mode: Mode, count = EVENTS): Promise<{ confirmed: number; stamped: number }> => {
      const prefix = `bench-${mode}-${process.pid}-${++relays}-`;
      const metrics = new RelayMetrics(new MetricsService());
      const relay = new Relay({ config: loadConfig({ STREAM_PREFIX: prefix, RELAY_MODE: mode, STREAM_SHARDS: '2' }), topology, storages, kinesis, metrics });
      // The slot still holds the rows the other runs wrote: a WAL relay starts at the present, as it would in
      // a deployment that never stopped relaying, instead of sending them again while timed.
      if (mode === 'wal') await skipSlotToNow(topology);
      relay.start();
      const pool = new Pool({ connectionString: topology.access('platform').url, max: 1 });
      try {
        while (!relay.active) await new Promise((r) => setTimeout(r, 20));
        if (mode === 'wal') await waitForWalsender(serverUrl, relaySlotName(topology));
        const start = performance.now();
        await insertEvents(topology.access('users').url, makeRecords(count));
        // The relay's own counter first (free), then GET /ops/relay's query (a count over the unpublished rows,
        // work of the database the relay shares), so the watching costs the relay little.
        const sent = async () => (await metrics.sent.get()).values.reduce((n, v) => n + v.value, 0);
        while ((await sent()) < count) await new Promise((r) => setTimeout(r, 5));
        const confirmedMs = performance.now() - start;
        while ((await readRelayStatus(pool, storages.map((s) => s.name))).pending > 0) await new Promise((r) => setTimeout(r, 10));
        const stampedMs = performance.now() - start;
        return { confirmed: count / (confirmedMs / 1000), stamped: count / (stampedMs / 1000) };
      } finally {
        await pool.end();
        await relay.stop();
      }
    };
    /** The same inserts with no relay running: what the relay's figures cannot beat, since they include them. */
    const insertAlone = async (): Promise<number> => {
      const start = performance.now();
      await insertEvents(topology.access('users').url, makeRecords());
      const rate = EVENTS / ((performance.now() - start) / 1000);
      const owner = new Client({ connectionString: serverUrl });
      await owner.connect();
      await owner.query('UPDATE users.event_log SET published_at = now() WHERE published_at IS NULL').finally(() => owner.end());
      return rate;
    };

    // The machine is shared and its load moves: each run is set against the raw loops just before and just
    // after it, over several rounds, and the medians are reported. A first, smaller round warms up.
    await rawLoop(kinesis, rawStream, makeRecords(1_000));
    for (const mode of MODES) await relayRun(mode, 1_000);
    const raws: number[] = [];
    const runs = { insert: [] as number[], wal: [] as number[], polling: [] as number[], walConfirmed: [] as number[], pollingConfirmed: [] as number[] };
    const ratios = { insert: [] as number[], wal: [] as number[], polling: [] as number[], walConfirmed: [] as number[], pollingConfirmed: [] as number[] };
    console.log(`${EVENTS} events of ~${records[0].data.length} bytes over ${KEYS} keys, kinesalite, 2 shards, ${ROUNDS} rounds`);
    for (let round = 1; round <= ROUNDS; round++) {
      let before = await rawLoop(kinesis, rawStream, records);
      raws.push(before);
      const line: string[] = [`raw ${before.toFixed(0)}`];
      const between = async (measure: () => Promise<Partial<Record<keyof typeof runs, number>>>) => {
        const rates = await measure();
        const after = await rawLoop(kinesis, rawStream, records);
        raws.push(after);
        for (const [name, rate] of Object.entries(rates) as Array<[keyof typeof runs, number]>) {
          runs[name].push(rate);
          ratios[name].push(rate / ((before + after) / 2));
        }
        before = after;
        return after;
      };
      let after = await between(async () => ({ insert: await insertAlone() }));
      line.push(`insert alone ${runs.insert.at(-1)!.toFixed(0)}`, `raw ${after.toFixed(0)}`);
      for (const mode of MODES) {
        after = await between(async () => {
          const { confirmed, stamped } = await relayRun(mode);
          return { [mode]: stamped, [`${mode}Confirmed`]: confirmed };
        });
        line.push(`${mode} ${runs[mode].at(-1)!.toFixed(0)} (${ratios[mode].at(-1)!.toFixed(2)}; confirmed ${runs[`${mode}Confirmed`].at(-1)!.toFixed(0)})`, `raw ${after.toFixed(0)}`);
      }
      console.log(`  round ${round}: ${line.join(', ')} records/s`);
    }
    kinesis.destroy();
    const rawRate = median(raws);
    console.log(`raw PutRecords loop (500/call, no ordering):  ${rawRate.toFixed(0)} records/s`);
    console.log(`insert alone (no relay; bounds the relay's figures):  ${median(runs.insert).toFixed(0)} records/s  ratio ${median(ratios.insert).toFixed(2)}`);
    report({ bench: 'relay', name: 'raw PutRecords loop (500/call, no ordering)', value: Math.round(rawRate), unit: 'records/s' });
    report({ bench: 'relay', name: 'insert alone (no relay) ÷ raw', value: Number(median(ratios.insert).toFixed(2)), unit: '×' });
    for (const mode of MODES) {
      const confirmed = `${mode}Confirmed` as const;
      console.log(`relay ${mode.padEnd(7)} (insert → confirmed + stamped): ${median(runs[mode]).toFixed(0)} records/s  ratio ${median(ratios[mode]).toFixed(2)}`
        + `  (insert → confirmed: ${median(runs[confirmed]).toFixed(0)} records/s, ratio ${median(ratios[confirmed]).toFixed(2)})`);
      report({ bench: 'relay', name: `relay ${mode} (insert → confirmed + stamped)`, value: Math.round(median(runs[mode])), unit: 'records/s' });
      report({ bench: 'relay', name: `relay ${mode} ÷ raw`, value: Number(median(ratios[mode]).toFixed(2)), unit: '×', goal: { kind: 'min', value: mode === 'wal' ? 0.9 : 0.7 } });
      report({ bench: 'relay', name: `relay ${mode}, insert → confirmed only, ÷ raw`, value: Number(median(ratios[confirmed]).toFixed(2)), unit: '×' });
    }
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  }
}
