// Relay throughput against a raw PutRecords loop of the same records on the same Kinesis engine (see run()).
import { randomUUID } from 'node:crypto';
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { Client, Pool } from 'pg';
import { median } from './bench-kit';
import { createDatabase, startBenchInfrastructure } from './bench-infrastructure';
import { report } from './results';
import { contextStoreMigrations, createKinesisClient, DatabaseTopology, loadConfig, MetricsService, platformStorage, provisionDatabase, readRelayStatus, Relay, RelayMetrics, StreamProvisioner } from '@eda/platform';

const EVENTS = Number(process.env.BENCH_RELAY_EVENTS ?? 10_000);
const KEYS = Number(process.env.BENCH_RELAY_KEYS ?? 1_000);
const ROUNDS = Number(process.env.BENCH_RELAY_ROUNDS ?? 3);
const storages = [platformStorage, { name: 'users', entities: [], migrations: contextStoreMigrations }];

function envelope(key: string, seq: number): string {
  return JSON.stringify({
    specversion: '1.0', id: randomUUID(), source: 'users', type: 'users.Counted', subject: key, time: new Date().toISOString(),
    datacontenttype: 'application/json', data: { key, seq, padding: 'x'.repeat(200) }, partitionkey: key, correlationid: 'c', causationid: 'c',
  });
}

/** Inserts every row in one transaction (500 per statement), so the whole burst is committed at once. */
async function insertEvents(url: string, rows: Array<{ key: string; data: string }>): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('BEGIN');
    for (let i = 0; i < rows.length; i += 500) {
      const chunk = rows.slice(i, i + 500);
      await client.query(
        `INSERT INTO event_log (id, source, type, subject, partition_key, stream, time, envelope, content_hash)
         SELECT e->>'id', 'users', 'users.Counted', k, k, 'users-events', now(), e, 'h'
           FROM unnest($1::text[], $2::jsonb[]) AS t(k, e)`,
        [chunk.map((r) => r.key), chunk.map((r) => r.data)],
      );
    }
    await client.query('COMMIT');
  } finally {
    await client.end();
  }
}

/**
 * Relay throughput: a burst of EVENTS rows over KEYS keys is committed at once, then timed from the commit until
 * every row is confirmed by Kinesis and stamped published. The raw baseline sends the same records, 500 per
 * PutRecords call, one call after another, without ordering or stamping. Rounds alternate raw, WAL and polling
 * (each relay started once and kept running), so what else the machine does falls on each alike; the ratio is
 * taken per round, then its median.
 */
export async function run(): Promise<void> {
  const stops: Array<() => Promise<void>> = [];
  try {
    const { serverUrl, endpoint, stop } = await startBenchInfrastructure('relay');
    stops.push(stop);
    const topology = new DatabaseTopology(serverUrl);
    await provisionDatabase(topology, storages);
    const kinesis = createKinesisClient({ endpoint, region: 'us-east-1', description: 'bench' });
    stops.push(async () => kinesis.destroy());
    let round = 0;
    const makeRecords = () => Array.from({ length: EVENTS }, (_, i) => ({ key: `key-${round}-${i % KEYS}`, data: envelope(`key-${i % KEYS}`, Math.floor(i / KEYS)) }));

    const rawStream = `bench-raw-${process.pid}`;
    await new StreamProvisioner(kinesis, { shards: 2, retentionHours: 24 }).ensure(rawStream);
    const raw = async (): Promise<number> => {
      const records = makeRecords();
      const start = performance.now();
      for (let i = 0; i < records.length; i += 500) {
        let pending = records.slice(i, i + 500);
        while (pending.length > 0) {
          const result = await kinesis.send(new PutRecordsCommand({
            StreamName: rawStream, Records: pending.map((r) => ({ PartitionKey: r.key, Data: Buffer.from(r.data) })),
          }));
          pending = pending.filter((_, j) => result.Records?.[j]?.ErrorCode);
        }
      }
      return EVENTS / ((performance.now() - start) / 1000);
    };

    // One database per mode: a relay is one per database (advisory lock), and each must see only its own rows.
    const relays = [];
    for (const mode of ['wal', 'polling'] as const) {
      const modeTopology = new DatabaseTopology(await createDatabase(serverUrl, `relay_bench_${mode}_${process.pid}`));
      await provisionDatabase(modeTopology, storages);
      const metrics = new RelayMetrics(new MetricsService());
      const relay = new Relay({
        config: loadConfig({ STREAM_PREFIX: `bench-${mode}-${process.pid}-`, RELAY_MODE: mode, STREAM_SHARDS: '2' }),
        topology: modeTopology, storages, kinesis, metrics,
      });
      relay.start();
      stops.push(() => relay.stop());
      while (!relay.active) await new Promise((r) => setTimeout(r, 20));
      const pool = new Pool({ connectionString: modeTopology.access('platform').url, max: 1 });
      stops.push(() => pool.end());
      const timed = async (): Promise<number> => {
        await insertEvents(modeTopology.access('users').url, makeRecords());
        const start = performance.now();
        // Where the time goes: until the first record is confirmed, until the last, until every row is stamped.
        const total = async (counter: typeof metrics.sent | typeof metrics.calls) => (await counter.get()).values.reduce((a, v) => a + v.value, 0);
        const sent0 = await total(metrics.sent);
        const calls0 = await total(metrics.calls);
        let first = 0;
        let all = 0;
        while ((await readRelayStatus(pool, storages.map((s) => s.name))).pending > 0) {
          const sent = (await total(metrics.sent)) - sent0;
          if (sent > 0 && !first) first = performance.now() - start;
          if (sent >= EVENTS && !all) all = performance.now() - start;
          await new Promise((r) => setTimeout(r, 5));
        }
        const calls = (await total(metrics.calls)) - calls0;
        console.log(`relay: ${mode}: first confirmed ${first.toFixed(0)} ms, all confirmed ${all.toFixed(0)} ms, all stamped ${(performance.now() - start).toFixed(0)} ms after the commit, ${calls} PutRecords calls`);
        return EVENTS / ((performance.now() - start) / 1000);
      };
      relays.push({ mode, timed });
    }

    console.log(`relay: ${EVENTS} events of ~${makeRecords()[0].data.length} bytes over ${KEYS} keys per burst, kinesalite, 2 shards, ${ROUNDS} rounds after a warm-up`);
    await raw();
    for (const relay of relays) await relay.timed();
    const rates: Record<string, number[]> = { raw: [], wal: [], polling: [] };
    const ratios: Record<string, number[]> = { wal: [], polling: [] };
    for (round = 1; round <= ROUNDS; round++) {
      const rawRate = await raw();
      rates.raw.push(rawRate);
      const line = [`round ${round}: raw ${rawRate.toFixed(0)}/s`];
      for (const relay of relays) {
        const rate = await relay.timed();
        rates[relay.mode].push(rate);
        ratios[relay.mode].push(rate / rawRate);
        line.push(`${relay.mode} ${rate.toFixed(0)}/s (${(rate / rawRate).toFixed(2)})`);
      }
      console.log(`relay: ${line.join(', ')}`);
    }
    report({ bench: 'relay', name: `raw PutRecords loop (500 per call), median of ${ROUNDS}`, value: Math.round(median(rates.raw)), unit: 'records/s' });
    for (const [mode, goal] of [['wal', 0.9], ['polling', 0.7]] as const) {
      report({ bench: 'relay', name: `relay ${mode}: commit → confirmed + stamped, median of ${ROUNDS}`, value: Math.round(median(rates[mode])), unit: 'records/s' });
      report({ bench: 'relay', name: `relay ${mode} ÷ raw PutRecords`, value: Number(median(ratios[mode]).toFixed(2)), unit: '×', goal: { kind: 'min', value: goal } });
    }
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  }
}
