// End-to-end latency of the event bus: a command's commit → relay → Kinesis → consumer → the handler's effect
// committed, on embedded PostgreSQL and kinesalite, with the app's default relay and consumer settings. A steady
// rate over many keys, then a burst committed as fast as the database takes it. (Failover time after a kill -9 is
// measured by libs/platform/src/consumer/consumer-workers.int.spec.ts.)
import { Pool } from 'pg';
import { startBenchInfrastructure } from './bench-infrastructure';
import { report } from './results';
import { benchRelay, benchWorker, percentile, sleep, until } from './bench-kit';
import { PRODUCER, producerAndSink, producerAndSinkStorages as storages, SINK } from './timed-unit-of-work';
import { type CloudEvent, createKinesisClient, DatabaseTopology, domainEvent, loadConfig, provisionDatabase, readRelayStatus, registerHandler, StreamProvisioner, TransactionScope } from '@eda/platform';
import { consumerOptionsFrom, ShardWakeups } from '@eda/platform/runtime';

const KEYS = Number(process.env.BENCH_CONSUMER_KEYS ?? 500);
const STEADY_RATE = Number(process.env.BENCH_CONSUMER_RATE ?? 200); // events/s
const STEADY_SECONDS = Number(process.env.BENCH_CONSUMER_SECONDS ?? 10);
const BURST_EVENTS = Number(process.env.BENCH_CONSUMER_BURST ?? 3_000);
const BURST_WRITERS = 8;

export async function run(): Promise<void> {
  const stops: Array<() => Promise<void>> = [];
  try {
    const { serverUrl, endpoint, stop } = await startBenchInfrastructure('consumer');
    stops.push(stop);
    const prefix = `bench-e2e-${process.pid}-`;
    const config = loadConfig({ STREAM_PREFIX: prefix, CONSUMER_GROUP: 'bench', WORKER_ID: 'bench-worker' });
    const topology = new DatabaseTopology(serverUrl);
    await provisionDatabase(topology, storages);
    const sinkDdl = new Pool({ connectionString: topology.access(SINK).url, max: 1 });
    await sinkDdl.query(`CREATE TABLE effects (message_id text PRIMARY KEY, partition_key text NOT NULL, seq int NOT NULL)`);
    await sinkDdl.end();

    const connection = { endpoint, region: 'us-east-1', description: 'bench' };
    const kinesis = createKinesisClient(connection, { maxAttempts: 3 });
    stops.push(async () => kinesis.destroy());
    const stream = `${PRODUCER}-events`;
    await new StreamProvisioner(kinesis, { shards: config.STREAM_SHARDS, retentionHours: config.STREAM_RETENTION_HOURS }).ensureAll([prefix + stream]);

    const { producer, sink, sinkSource, committedAt, close } = await producerAndSink(topology, PRODUCER, SINK, BURST_WRITERS + 2);
    stops.push(close);
    const handler = registerHandler(`${PRODUCER}.Counted`, { handler: 'sink.effects', context: SINK }, sink, {
      handle: async (event: CloudEvent, tx: TransactionScope) => {
        const data = event.data as { seq: number };
        await tx.manager.query(`INSERT INTO effects (message_id, partition_key, seq) VALUES ($1, $2, $3)`, [event.id, event.partitionkey, data.seq]);
      },
    });

    // One process: the relay wakes the worker's readers directly (the app also carries wakes across processes).
    const wakeups = new ShardWakeups();
    const relay = benchRelay({ config, topology, storages, kinesis }, wakeups);
    relay.start();
    stops.push(() => relay.stop());
    const platformPool = new Pool({ connectionString: topology.access('platform').url, max: 5 });
    stops.push(() => platformPool.end());
    const options = consumerOptionsFrom(config);
    // The worker's own client, its calls timed: with its transactions, the time the consumer spent working.
    const workerKinesis = createKinesisClient(connection, { maxAttempts: 3 });
    stops.push(async () => workerKinesis.destroy());
    const send = workerKinesis.send.bind(workerKinesis) as (...args: unknown[]) => Promise<unknown>;
    (workerKinesis as unknown as { send: typeof send }).send = async (...args) => {
      const started = performance.now();
      try {
        return await send(...args);
      } finally {
        sink.working.push([started, performance.now()]);
      }
    };
    const worker = benchWorker(platformPool, options, workerKinesis, [handler], wakeups);
    worker.start();
    stops.push(() => worker.stop());

    const seqOfKey = new Array<number>(KEYS).fill(0);
    let next = 0;
    // Each phase commits one event per transaction (one command, one event) and collects the ids it committed.
    const phaseIds = (from: number) => [...committedAt.keys()].slice(from);
    const commit = async () => {
      const k = next++ % KEYS;
      const seq = seqOfKey[k]++;
      await producer.run(async (tx) => tx.publish(domainEvent(PRODUCER, 'Counted', `key-${k}`, { seq })));
    };

    // Warm-up: relay active, leases taken, a first round trip done.
    await until('the relay is active', () => relay.active, 30_000);
    await until('the worker holds every shard', () => worker.heldShards().length === config.STREAM_SHARDS, 30_000);
    for (let i = 0; i < 20; i++) await commit();
    const applied = sink.appliedBy('sink.effects');
    await until('the warm-up events are applied', () => applied.size === 20, 30_000);

    const results: Array<{
      phase: string; events: number; latencies: number[]; spanMs: number; commitMs: number;
      /** First to last commit, and first to last effect, of the phase's events: the rate each side kept. */
      commitSpanMs: number; effectSpanMs: number; relayLagMs: number; relayPending: number;
      /** Time the consumer was working (a Kinesis call or a transaction of the sink in progress), first effect to last. */
      workingMs: number;
    }> = [];
    /** How long, within [from, to], at least one of `intervals` was in progress. */
    const covered = (intervals: Array<[number, number]>, from: number, to: number) => {
      let total = 0;
      let reached = from;
      for (const [start, end] of [...intervals].sort((a, b) => a[0] - b[0])) {
        const [s, e] = [Math.max(start, reached), Math.min(end, to)];
        if (e > s) total += e - s;
        reached = Math.max(reached, Math.min(end, to));
      }
      return total;
    };
    const measure = async (phase: string, produce: () => Promise<void>) => {
      const from = committedAt.size;
      // Where the time goes: how far the relay itself fell behind (GET /ops/relay's lag and pending), sampled.
      let relayLagMs = 0;
      let relayPending = 0;
      let sampling = true;
      const sampler = (async () => {
        while (sampling) {
          const status = await readRelayStatus(platformPool, storages.map((s) => s.name));
          relayLagMs = Math.max(relayLagMs, status.lagMs);
          relayPending = Math.max(relayPending, status.pending);
          await sleep(50);
        }
      })();
      const started = performance.now();
      await produce();
      const commitMs = performance.now() - started;
      const ids = phaseIds(from);
      await until(`the ${phase} events are applied`, () => ids.every((id) => applied.has(id)), 60_000);
      sampling = false;
      await sampler;
      const latencies = ids.map((id) => applied.get(id)! - committedAt.get(id)!).sort((a, b) => a - b);
      const effects = ids.map((id) => applied.get(id)!);
      const commits = ids.map((id) => committedAt.get(id)!);
      const span = (times: number[]) => Math.max(...times) - Math.min(...times);
      results.push({
        phase, events: ids.length, latencies, spanMs: Math.max(...effects) - started, commitMs,
        commitSpanMs: span(commits), effectSpanMs: span(effects), relayLagMs, relayPending,
        workingMs: covered(sink.working, Math.min(...effects), Math.max(...effects)),
      });
    };

    await measure(`steady ${STEADY_RATE}/s for ${STEADY_SECONDS} s`, async () => {
      const total = STEADY_RATE * STEADY_SECONDS;
      const perTick = Math.max(1, Math.round(STEADY_RATE / 20)); // a tick every 50 ms
      const start = performance.now();
      const inFlight: Promise<void>[] = [];
      for (let sent = 0, tick = 0; sent < total; tick++) {
        await sleep(Math.max(0, start + tick * 50 - performance.now()));
        for (let i = 0; i < perTick && sent < total; i++, sent++) inFlight.push(commit());
      }
      await Promise.all(inFlight);
    });

    await measure(`burst of ${BURST_EVENTS} (${BURST_WRITERS} writers, as fast as commits go)`, async () => {
      let left = BURST_EVENTS;
      await Promise.all(Array.from({ length: BURST_WRITERS }, async () => {
        while (left-- > 0) await commit();
      }));
    });

    const [check] = await sinkSource.query(`SELECT count(*)::int AS n FROM effects`);
    console.log(`${KEYS} keys, ${config.STREAM_SHARDS} shards, kinesalite + embedded PostgreSQL, relay in ${relay.mode} mode, one worker,`);
    console.log(`consumer defaults (GetRecords ≥ ${options.minPollIntervalMs} ms apart, idle backoff to ${options.idlePollMaxMs} ms); effects applied: ${check.n}`);
    const [steady, burst] = results;
    const goal = (kind: 'max' | 'min', value: number) => ({ kind, value });
    report({ bench: 'consumer-latency', name: `commit → effect p50 at ${STEADY_RATE}/s`, value: Math.round(percentile(steady.latencies, 50)), unit: 'ms', goal: goal('max', 50) });
    report({ bench: 'consumer-latency', name: `commit → effect p95 at ${STEADY_RATE}/s`, value: Math.round(percentile(steady.latencies, 95)), unit: 'ms' });
    report({ bench: 'consumer-latency', name: `commit → effect p99 at ${STEADY_RATE}/s`, value: Math.round(percentile(steady.latencies, 99)), unit: 'ms', goal: goal('max', 250) });
    // Whether the consumer is the bottleneck of a burst: the rate it can apply at, against the rate the burst was
    // committed at. The rate it applied at (events over its first-to-last span) cannot say: a consumer that keeps pace
    // is held to the producers' rate, so that ratio sits at 1 give or take a read interval at either end, a coin
    // toss for the verdict however much room the consumer has. The rate it can apply at is the events over the time
    // it was working on them (a Kinesis call or a sink transaction in progress, read-pace waits left out): above the
    // committed rate, no burst at that rate leaves it a growing backlog. Both are printed; the end-to-end figure
    // (all applied by, from the burst's start) also holds one hop, whatever the consumer's rate.
    report({ bench: 'consumer-latency', name: `burst: apply capacity ÷ committed rate`, value: Number((burst.commitSpanMs / burst.workingMs).toFixed(2)), unit: '×', goal: goal('min', 1) });
    report({ bench: 'consumer-latency', name: `burst: applied ÷ committed rate, first to last`, value: Number((burst.commitSpanMs / burst.effectSpanMs).toFixed(2)), unit: '×' });
    report({ bench: 'consumer-latency', name: `burst: committed ÷ all applied, end to end`, value: Number((burst.commitMs / burst.spanMs).toFixed(2)), unit: '×' });
    for (const r of results) {
      const endToEndRate = r.events / (r.spanMs / 1000);
      console.log(
        `${r.phase.padEnd(52)} commit→effect p50 ${percentile(r.latencies, 50).toFixed(0)} ms, p95 ${percentile(r.latencies, 95).toFixed(0)} ms, ` +
          `p99 ${percentile(r.latencies, 99).toFixed(0)} ms, max ${r.latencies[r.latencies.length - 1].toFixed(0)} ms; ` +
          `${r.events} events committed in ${(r.commitMs / 1000).toFixed(1)} s, applied by ${(r.spanMs / 1000).toFixed(1)} s = ${endToEndRate.toFixed(0)} events/s end to end; ` +
          `first to last commit ${(r.commitSpanMs / 1000).toFixed(2)} s, first to last effect ${(r.effectSpanMs / 1000).toFixed(2)} s ` +
          `(the consumer working ${(r.workingMs / 1000).toFixed(2)} s of it); ` +
          `the relay was at most ${r.relayLagMs} ms / ${r.relayPending} rows behind`,
      );
    }
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  }
}
