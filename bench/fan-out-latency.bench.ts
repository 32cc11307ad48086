// Enhanced fan-out beside polling on the same engine (kinesis-local, the one that implements SubscribeToShard):
// a command's commit → relay → Kinesis → consumer → the handler's effect committed, for the same commits read by two
// consumer groups at once, one polling (with the relay's wake-ups, as the app runs) and one subscribed (EFO), each
// with its own handler and inbox. A steady low rate over many keys, 2 shards, one relay, one worker per group.
// Absolute figures are the engine's: kinesis-local pushes an event about once a second, AWS as records arrive
// (ADR 0015).
import { Pool } from 'pg';
import { startBenchInfrastructure } from './bench-infrastructure';
import { report } from './results';
import { benchRelay, benchWorker, percentile, sleep, until } from './bench-kit';
import { PRODUCER, producerAndSink, producerAndSinkStorages as storages, SINK } from './timed-unit-of-work';
import { type CloudEvent, createKinesisClient, DatabaseTopology, domainEvent, loadConfig, provisionDatabase, registerHandler, StreamProvisioner, TransactionScope } from '@eda/platform';
import { consumerOptionsFrom, ShardWakeups } from '@eda/platform/runtime';
import { startKinesisLocal } from '@eda/platform/testing';

const RATE = Number(process.env.BENCH_EFO_RATE ?? 20); // events/s
const SECONDS = Number(process.env.BENCH_EFO_SECONDS ?? 15);
const KEYS = 50;
const MODES = ['polling', 'efo'] as const;

export async function run(): Promise<void> {
  const stops: Array<() => Promise<void>> = [];
  try {
    const engine = await startKinesisLocal();
    stops.push(() => engine.stop());
    const { serverUrl, stop } = await startBenchInfrastructure('efo', { kinesis: false });
    stops.push(stop);
    const prefix = `bench-efo-${process.pid}-`;
    const config = loadConfig({ STREAM_PREFIX: prefix, STREAM_SHARDS: '2' });
    const topology = new DatabaseTopology(serverUrl);
    await provisionDatabase(topology, storages);
    const sinkDdl = new Pool({ connectionString: topology.access(SINK).url, max: 1 });
    await sinkDdl.query(`CREATE TABLE effects (handler text NOT NULL, message_id text NOT NULL, seq int NOT NULL, PRIMARY KEY (handler, message_id))`);
    await sinkDdl.end();

    const connection = { endpoint: engine.endpoint, region: 'us-east-1', description: 'kinesis-local' };
    const kinesis = createKinesisClient(connection, { maxAttempts: 3 });
    const subscriber = createKinesisClient(connection, { maxAttempts: 3, subscribes: true });
    stops.push(async () => { kinesis.destroy(); subscriber.destroy(); });
    await new StreamProvisioner(kinesis, { shards: config.STREAM_SHARDS, retentionHours: config.STREAM_RETENTION_HOURS }).ensureAll([`${prefix}${PRODUCER}-events`]);

    const { producer, sink, committedAt, close } = await producerAndSink(topology, PRODUCER, SINK, 4);
    stops.push(close);

    const wakeups = new ShardWakeups();
    const relay = benchRelay({ config, topology, storages, kinesis }, wakeups);
    relay.start();
    stops.push(() => relay.stop());
    const platformPool = new Pool({ connectionString: topology.access('platform').url, max: 6 });
    stops.push(() => platformPool.end());
    const workers = MODES.map((mode) => {
      const handlerName = `sink.${mode}`;
      const handler = registerHandler(`${PRODUCER}.Counted`, { handler: handlerName, context: SINK }, sink, {
        handle: async (event: CloudEvent, tx: TransactionScope) => {
          await tx.manager.query(`INSERT INTO effects (handler, message_id, seq) VALUES ($1, $2, $3)`, [handlerName, event.id, (event.data as { seq: number }).seq]);
        },
      });
      const options = consumerOptionsFrom(config, { consumerGroup: `bench-${mode}`, workerId: `bench-${mode}`, mode });
      const worker = benchWorker(platformPool, options, mode === 'efo' ? subscriber : kinesis, [handler], wakeups);
      worker.start();
      stops.push(() => worker.stop());
      return { mode, worker, applied: sink.appliedBy(handlerName) };
    });

    const seqOfKey = new Array<number>(KEYS).fill(0);
    let next = 0;
    const commit = async () => {
      const k = next++ % KEYS;
      await producer.run(async (tx) => tx.publish(domainEvent(PRODUCER, 'Counted', `key-${k}`, { seq: seqOfKey[k]++ })));
    };
    const appliedByAll = (ids: string[]) => () => workers.every((w) => ids.every((id) => w.applied.has(id)));

    // Warm-up: relay active, every shard held in both groups, a first round trip done.
    await until('the relay is active', () => relay.active, 30_000);
    await until('both groups hold every shard', () => workers.every((w) => w.worker.heldShards().length === config.STREAM_SHARDS), 60_000);
    for (let i = 0; i < 10; i++) await commit();
    await until('the warm-up events are applied by both groups', appliedByAll([...committedAt.keys()]), 60_000);

    const from = committedAt.size;
    const start = performance.now();
    for (let i = 0; i < RATE * SECONDS; i++) {
      await sleep(Math.max(0, start + (i * 1000) / RATE - performance.now()));
      await commit();
    }
    const ids = [...committedAt.keys()].slice(from);
    await until('the measured events are applied by both groups', appliedByAll(ids), 60_000);

    console.log(`${ids.length} commits at ${RATE}/s over ${KEYS} keys, ${config.STREAM_SHARDS} shards, kinesis-local + embedded PostgreSQL, relay in ${relay.mode} mode;`);
    console.log('the same commits read by a polling group (with wake-ups) and an EFO group at once:');
    for (const { mode, applied } of workers) {
      const latencies = ids.map((id) => applied.get(id)! - committedAt.get(id)!).sort((a, b) => a - b);
      const p = (q: number) => Math.round(percentile(latencies, q));
      console.log(`  ${mode.padEnd(7)} commit → effect p50 ${p(50)} ms, p95 ${p(95)} ms, p99 ${p(99)} ms, max ${Math.round(latencies[latencies.length - 1])} ms`);
      report({ bench: 'fan-out-latency', name: `${mode}: commit → effect p50 on kinesis-local at ${RATE}/s`, value: p(50), unit: 'ms' });
      report({ bench: 'fan-out-latency', name: `${mode}: commit → effect p99 on kinesis-local at ${RATE}/s`, value: p(99), unit: 'ms' });
    }
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  }
}
