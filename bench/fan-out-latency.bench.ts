// Enhanced fan-out beside polling on the same engine (kinesis-local, the one that implements SubscribeToShard):
// the time from a record's write to Kinesis to its handler's effect committed, at a steady low rate, one worker,
// 2 shards, same handler and database. The relay's commit → Kinesis part is the same in both modes (see
// consumer-latency), so this is the part the mode changes. Absolute figures are the engine's: kinesis-local pushes
// an event about once a second, AWS as records arrive (ADR 0015).
import { Pool } from 'pg';
import { DatabaseTopology } from '../libs/platform/src/database/database-topology';
import { createKinesisClient } from '../libs/platform/src/kinesis/kinesis-connection';
import { createStream, provisionTestStores, putEvents, startTestConsumer, TEST_CONTEXT, TEST_STREAM, thingEvent } from '../libs/platform/src/consumer/testing/consumer-test-kit';
import { startKinesisLocal } from '../libs/platform/src/testing/kinesis-local';
import { startBenchInfrastructure } from './bench-infrastructure';
import { report } from './results';

const RATE = Number(process.env.BENCH_EFO_RATE ?? 20); // events/s
const SECONDS = Number(process.env.BENCH_EFO_SECONDS ?? 15);
const KEYS = 50;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function run(): Promise<void> {
  const stops: Array<() => Promise<void>> = [];
  try {
    const engine = await startKinesisLocal();
    stops.push(() => engine.stop());
    const { serverUrl, stop } = await startBenchInfrastructure('efo');
    stops.push(stop);
    await provisionTestStores(serverUrl);
    const alpha = new Pool({ connectionString: new DatabaseTopology(serverUrl).access(TEST_CONTEXT).url, max: 2 });
    stops.push(() => alpha.end());
    const kinesis = createKinesisClient({ endpoint: engine.endpoint, region: 'us-east-1', description: 'kinesis-local' }, { maxAttempts: 3 });
    stops.push(async () => kinesis.destroy());

    for (const mode of ['polling', 'efo'] as const) {
      const prefix = `bench-${mode}-${process.pid}-`;
      await createStream(kinesis, `${prefix}${TEST_STREAM}`, 2);
      const consumer = await startTestConsumer({
        ownerUrl: serverUrl,
        kinesisEndpoint: engine.endpoint,
        options: { consumerGroup: `bench-${mode}`, workerId: `bench-${mode}`, streamPrefix: prefix, mode, leaseTickMs: 500, shardSyncMs: 1000, idlePollMaxMs: 500 },
      });
      try {
        const warm = thingEvent('warm-up', 0);
        await putEvents(kinesis, `${prefix}${TEST_STREAM}`, [warm]);
        for (;;) {
          const { rows } = await alpha.query(`SELECT 1 FROM effects WHERE message_id = $1`, [warm.id]);
          if (rows.length) break;
          await sleep(50);
        }
        const ids: string[] = [];
        const start = Date.now();
        for (let i = 0; i < RATE * SECONDS; i++) {
          await sleep(Math.max(0, start + (i * 1000) / RATE - Date.now()));
          const event = thingEvent(`${mode}-${i % KEYS}`, Math.floor(i / KEYS));
          ids.push(event.id);
          await putEvents(kinesis, `${prefix}${TEST_STREAM}`, [event]);
        }
        let latencies: number[] = [];
        for (const deadline = Date.now() + 60_000; Date.now() < deadline; await sleep(100)) {
          const { rows } = await alpha.query<{ latency_ms: number }>(`SELECT latency_ms FROM effects WHERE message_id = ANY($1) ORDER BY latency_ms`, [ids]);
          latencies = rows.map((r) => r.latency_ms);
          if (latencies.length === ids.length) break;
        }
        const p = (q: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.ceil(q * latencies.length) - 1)]);
        console.log(`${mode}: ${latencies.length}/${ids.length} applied; put → effect p50 ${p(0.5)} ms, p95 ${p(0.95)} ms, p99 ${p(0.99)} ms`);
        report({ bench: 'fan-out-latency', name: `${mode}: put → effect p50 on kinesis-local at ${RATE}/s`, value: p(0.5), unit: 'ms' });
        report({ bench: 'fan-out-latency', name: `${mode}: put → effect p99 on kinesis-local at ${RATE}/s`, value: p(0.99), unit: 'ms' });
      } finally {
        await consumer.close();
      }
    }
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  }
}
