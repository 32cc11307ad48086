// Catch-up: a backlog written while no consumer runs, then drained by one worker with a real handler (the
// organizations context's known-users projection of users' events). The figure is the drain rate over the rate
// the backlog was written at (one event per transaction, as command handlers write): a consumer that drains no
// faster than producers write never catches up after an outage.
import { Pool } from 'pg';
import { DataSource } from 'typeorm';
import { randomUUID } from 'node:crypto';
import { storages } from '../apps/api/src/contexts';
import { KnownUsersHandler } from '../libs/organizations/src/application/projections/known-users/known-users.handler';
import { benchRelay, benchWorker, sleep } from './bench-kit';
import { startBenchInfrastructure } from './bench-infrastructure';
import { report } from './results';
import { createKinesisClient, DatabaseTopology, domainEvent, EventLogAppender, loadConfig, provisionDatabase, readRelayStatus, registerHandler, SystemClock, UnitOfWork, UuidGenerator } from '@eda/platform';
import { consumerOptionsFrom } from '@eda/platform/runtime';

const EVENTS = Number(process.env.BENCH_CATCHUP_EVENTS ?? 100_000);
const WRITERS = 16;
const HANDLER = 'organizations.known-users';

export async function run(): Promise<void> {
  const stops: Array<() => Promise<void>> = [];
  try {
    const { serverUrl, endpoint, stop } = await startBenchInfrastructure('catchup');
    stops.push(stop);
    const prefix = `bench-catchup-${process.pid}-`;
    const config = loadConfig({ STREAM_PREFIX: prefix, CONSUMER_GROUP: 'catchup', WORKER_ID: 'catchup-worker' });
    const topology = new DatabaseTopology(serverUrl);
    await provisionDatabase(topology, storages);
    const kinesis = createKinesisClient({ endpoint, region: 'us-east-1', description: 'bench' }, { maxAttempts: 3 });
    stops.push(async () => kinesis.destroy());

    const appender = new EventLogAppender(new SystemClock(), new UuidGenerator());
    const source = (name: string, max: number) => {
      const storage = storages.find((s) => s.name === name)!;
      return new DataSource({ type: 'postgres', url: topology.access(name).url, schema: name, entities: storage.entities, extra: { max } });
    };
    const users = source('users', WRITERS + 2);
    const organizations = source('organizations', 10);
    await users.initialize();
    await organizations.initialize();
    stops.push(async () => {
      await users.destroy();
      await organizations.destroy();
    });

    // The relay runs throughout: the backlog is on the stream before the worker starts.
    const relay = benchRelay({ config, topology, storages, kinesis });
    relay.start();
    stops.push(() => relay.stop());

    const producer = new UnitOfWork('users', users, appender);
    let written = 0;
    const writeStarted = performance.now();
    const progress = setInterval(() => console.log(`  catch-up: ${written.toLocaleString('en')} of ${EVENTS.toLocaleString('en')} written`), 10_000);
    try {
      await Promise.all(
        Array.from({ length: WRITERS }, async () => {
          while (written < EVENTS) {
            const n = written++;
            const userId = randomUUID();
            const data = { userId, email: `u${n}@example.com`, username: `u${n}`, firstName: 'Cat', lastName: `Chup${n}` };
            await producer.run(async (tx) => tx.publish(domainEvent('users', 'UserRegistered', userId, data)));
          }
        }),
      );
    } finally {
      clearInterval(progress);
    }
    const writeSeconds = (performance.now() - writeStarted) / 1000;
    const platform = new Pool({ connectionString: topology.access('platform').url, max: 5 });
    stops.push(() => platform.end());
    for (;;) {
      const status = await readRelayStatus(platform, storages.map((s) => s.name));
      if (status.pending === 0) break;
      await sleep(200);
    }

    const sink = new UnitOfWork('organizations', organizations, appender);
    const handler = registerHandler(['users.UserRegistered'], { handler: HANDLER, context: 'organizations' }, sink, new KnownUsersHandler());
    const options = consumerOptionsFrom(config);
    const worker = benchWorker(platform, options, kinesis, [handler]);
    const applied = async () => Number((await organizations.query(`SELECT count(*)::int AS n FROM known_users`))[0].n);
    const drainStarted = performance.now();
    worker.start();
    stops.push(() => worker.stop());
    let last = 0;
    let lastLog = performance.now();
    while ((last = await applied()) < EVENTS) {
      if (performance.now() - lastLog > 10_000) {
        console.log(`  catch-up: ${last.toLocaleString('en')} of ${EVENTS.toLocaleString('en')} applied`);
        lastLog = performance.now();
      }
      if (performance.now() - drainStarted > 600_000) throw new Error(`the backlog was not drained in 10 minutes (${last} applied)`);
      await sleep(100);
    }
    const drainSeconds = (performance.now() - drainStarted) / 1000;
    const writeRate = EVENTS / writeSeconds;
    const drainRate = EVENTS / drainSeconds;
    console.log(
      `${EVENTS.toLocaleString('en')} users.UserRegistered, ${config.STREAM_SHARDS} shards; written by ${WRITERS} writers, one event per transaction, at ` +
        `${writeRate.toFixed(0)}/s; drained by one worker (${HANDLER}) at ${drainRate.toFixed(0)}/s`,
    );
    report({ bench: 'catch-up', name: 'catch-up: drain rate ÷ write rate', value: Number((drainRate / writeRate).toFixed(2)), unit: '×', goal: { kind: 'min', value: 3 } });
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  }
}
