// POST /events under load (autocannon, 32 connections, every body a new event) against a raw baseline in
// the same run: a bare Fastify + pg server inserting the same bodies into an event log of the same shape
// (bench/ingress-baseline-server.ts). The app runs as `npm start` builds it, with its default settings
// (info logs, the per-key rate limit on, raised out of the way), once with ROLES=api and once with every
// role (the relay publishing to kinesalite as it goes), each on a database of its own. All three run at
// once and are measured in turns, round after round, so what else the machine does falls on each alike;
// ratios are taken per round (windows next to each other in time), then their median. Reported: req/s and
// p99, their ratios to the baseline, the peak RSS (VmHWM) of every process the bench starts, and per
// window where the CPU went (the target, PostgreSQL, the client, the rest of the machine).
//
// BENCH_INGRESS_SECONDS (6 per window), BENCH_INGRESS_ROUNDS (5), BENCH_INGRESS_WARMUP_SECONDS (3) and
// BENCH_INGRESS_CONNECTIONS (32) tune it; BENCH_PROFILE=<dir> makes every process the bench starts write a
// CPU profile there when it stops.
import autocannon from 'autocannon';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import type { QueryRunner } from 'typeorm';
import { BenchChild, median, sleep } from './bench-kit';
import { createDatabase, startBenchInfrastructure } from './bench-infrastructure';
import { report } from './results';
import { AppConfig, contextStoreMigrations, ProducerKeyStore } from '@eda/platform';
import { freePort } from '@eda/platform/runtime';

const SECONDS = Number(process.env.BENCH_INGRESS_SECONDS ?? 6);
const WARMUP_SECONDS = Number(process.env.BENCH_INGRESS_WARMUP_SECONDS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_INGRESS_CONNECTIONS ?? 32);
const ROUNDS = Number(process.env.BENCH_INGRESS_ROUNDS ?? 5);
const MAIN = join(__dirname, '..', 'apps', 'api', 'src', 'main.js');
const BASELINE = join(__dirname, 'ingress-baseline-server.js');
const OPS_TOKEN = 'bench-ops-token-0123456789abcdef';
const SOURCE = 'com.acme.billing';
/** The app's pool per storage, so the baseline gets as many connections as POST /events has. */
const POOL_SIZE = new AppConfig().DATABASE_POOL_SIZE;

// autocannon puts a fresh id wherever [<id>] stands: every request is a new event with its own subject.
const BODY = JSON.stringify({
  specversion: '1.0',
  id: '[<id>]',
  source: SOURCE,
  type: 'com.acme.billing.InvoicePaid',
  subject: 'invoice-[<id>]',
  datacontenttype: 'application/json',
  data: { invoiceId: 'INV-[<id>]', customer: 'cust-4711', amountCents: 129900, currency: 'EUR', paidAt: '2025-01-31T12:00:00Z', lines: [{ sku: 'SKU-1', quantity: 2 }, { sku: 'SKU-2', quantity: 1 }] },
});

const say = (line: string) => console.log(`ingress: ${line}`);

/** CPU time (user + system) a process has used so far, in seconds; 0 once it is gone. */
function cpuSeconds(pid: number): number {
  try {
    // Fields after the parenthesised command name: utime and stime are the 12th and 13th.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** The embedded PostgreSQL's processes: the postmaster the bench started and its children (none for a DATABASE_URL server). */
function postgresPids(): number[] {
  const parentOf = new Map<number, number>();
  const names = new Map<number, string>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      names.set(Number(entry), stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')));
      parentOf.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  const postmasters = [...parentOf].filter(([pid, parent]) => parent === process.pid && names.get(pid) === 'postgres').map(([pid]) => pid);
  return [...parentOf].filter(([pid, parent]) => postmasters.includes(pid) || postmasters.includes(parent)).map(([pid]) => pid);
}

/** Busy and total jiffies of the whole machine (every core), from /proc/stat. */
function machineJiffies(): { busy: number; total: number } {
  const [, ...values] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
  const [user, nice, system, idle, iowait, irq, softirq, steal] = values.map(Number);
  return { busy: user + nice + system + irq + softirq + steal, total: user + nice + system + idle + iowait + irq + softirq + steal };
}

/**
 * Where the CPU went while `work` ran, in cores (CPU seconds per second): the target process, PostgreSQL,
 * this process (autocannon's worker and kinesalite) and the rest of the machine (other work sharing it).
 */
async function cpuDuring<T>(targetPid: number, work: () => Promise<T>): Promise<{ result: T; line: string }> {
  // Backends come and go: each one's CPU since the start, or since it appeared; one that exited meanwhile is lost.
  const pgCpu = () => new Map(postgresPids().map((pid) => [pid, cpuSeconds(pid)]));
  const before = { target: cpuSeconds(targetPid), pg: pgCpu(), bench: process.cpuUsage(), machine: machineJiffies() };
  const started = performance.now();
  const result = await work();
  const seconds = (performance.now() - started) / 1000;
  const after = { target: cpuSeconds(targetPid), pg: pgCpu(), machine: machineJiffies() };
  const target = (after.target - before.target) / seconds;
  let pgSeconds = 0;
  for (const [pid, cpu] of after.pg) pgSeconds += cpu - (before.pg.get(pid) ?? 0);
  const postgres = pgSeconds / seconds;
  const benchCpu = process.cpuUsage(before.bench);
  const bench = (benchCpu.user + benchCpu.system) / 1e6 / seconds;
  const cores = (after.machine.total - before.machine.total) / (seconds * 100);
  const machine = (after.machine.busy - before.machine.busy) / (seconds * 100);
  const others = Math.max(0, machine - target - postgres - bench);
  const f = (n: number) => n.toFixed(2);
  return { result, line: `CPU in cores: target ${f(target)}, PostgreSQL ${f(postgres)}, client + kinesalite ${f(bench)}, rest of the machine ${f(others)} (busy ${f(machine)} of ${Math.round(cores)})` };
}

interface Window {
  rps: number;
  p50: number;
  p99: number;
}

async function withClient<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** One server under test: started, its database ready, a producer key issued when it needs one. */
interface Target {
  label: string;
  child: BenchChild;
  url: string;
  dbUrl: string;
  key?: string;
  /** The app with every role publishes what it stored: waited for after its window, so it does not run during the others'. */
  relays: boolean;
  windows: Window[];
}

async function startBaseline(serverUrl: string): Promise<Target> {
  const dbUrl = await createDatabase(serverUrl, `ingress_bench_bare_${process.pid}`);
  // The event log exactly as the app has it (columns, indexes, the size CHECK, triggers), in a schema of that name.
  await withClient(dbUrl, async (client) => {
    await client.query('CREATE SCHEMA platform; SET search_path TO platform');
    for (const Migration of contextStoreMigrations) await new Migration().up(client as unknown as QueryRunner);
  });
  const port = await freePort();
  const label = 'bare Fastify + pg';
  const child = new BenchChild(label, BASELINE, { DATABASE_URL: dbUrl, PORT: String(port), POOL_SIZE: String(POOL_SIZE) });
  await child.ready();
  return { label, child, url: `http://127.0.0.1:${port}`, dbUrl, relays: false, windows: [] };
}

async function startApp(serverUrl: string, endpoint: string, label: string, roles: string | undefined): Promise<Target> {
  const name = roles ? 'api' : 'all';
  const dbUrl = await createDatabase(serverUrl, `ingress_bench_${name}_${process.pid}`);
  const port = await freePort();
  const child = new BenchChild(`app (${label})`, MAIN, {
    DATABASE_URL: dbUrl,
    KINESIS_ENDPOINT: endpoint,
    STREAM_PREFIX: `ib-${name}-${process.pid}-`,
    AWS_REGION: 'us-east-1',
    PORT: String(port),
    OPS_TOKEN,
    WORKER_ID: `bench-ingress-${name}`,
    // The limiter keeps running (its cost is part of POST /events); one producer at this rate must not be refused.
    EVENTS_RATE_LIMIT_PER_SECOND: '1000000',
    ...(roles ? { ROLES: roles } : {}),
  });
  await child.ready();
  // Issued by another process, as the CLI does: the app learns of it on its first request.
  const key = await withClient(dbUrl, async (client) => {
    const keys = new ProducerKeyStore({ query: async (text: string, values?: unknown[]) => (await client.query(text, values)).rows });
    return (await keys.issue([SOURCE], 'ingress bench')).key;
  });
  return { label, child, url: `http://127.0.0.1:${port}`, dbUrl, key, relays: !roles, windows: [] };
}

function load(target: Target, seconds: number): Promise<autocannon.Result> {
  return autocannon({
    url: `${target.url}/events`,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(target.key ? { authorization: `Bearer ${target.key}` } : {}) },
    body: BODY,
    idReplacement: true,
    connections: CONNECTIONS,
    duration: seconds,
    // In a worker thread: kinesalite shares the bench's event loop and must not slow the client down.
    workers: 1,
  });
}

/** The app's bus counters (GET /metrics), summed over their labels: what the relay and the consumers did. */
async function busCounters(target: Target): Promise<Map<string, number>> {
  const response = await fetch(`${target.url}/metrics`, { headers: { authorization: `Bearer ${OPS_TOKEN}` } });
  const sums = new Map<string, number>();
  for (const line of (await response.text()).split('\n')) {
    const match = /^(eda_relay_put_records_calls_total|eda_relay_records_sent_total|eda_consumer_get_records_total)(\{[^}]*\})? ([0-9.e+]+)$/.exec(line);
    if (match) sums.set(match[1], (sums.get(match[1]) ?? 0) + Number(match[3]));
  }
  return sums;
}

/** One measured window; refuses a run with errors or a non-2xx answer. */
async function measure(target: Target, round: number): Promise<void> {
  const commits = () =>
    withClient(target.dbUrl, async (client) => Number((await client.query(`SELECT xact_commit + xact_rollback AS n FROM pg_stat_database WHERE datname = current_database()`)).rows[0].n));
  const commitsBefore = await commits();
  const countersBefore = target.relays ? await busCounters(target) : undefined;
  const { result, line } = await cpuDuring(target.child.child.pid!, () => load(target, SECONDS));
  const countersAfter = target.relays ? await busCounters(target) : undefined;
  // PostgreSQL flushes these counters about once a second: wait, so the window's are in.
  await sleep(1100);
  const transactions = (await commits()) - commitsBefore - 1;
  const answered = result['2xx'];
  if (result.errors > 0 || result.non2xx > 0 || answered === 0) {
    throw new Error(`${target.label}: ${answered} 2xx, ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts: the run is not comparable`);
  }
  const window = { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99 };
  target.windows.push(window);
  say(
    `round ${round + 1}, ${target.label}: ${Math.round(window.rps)} req/s, p50 ${window.p50} ms, p99 ${window.p99} ms, ` +
      `${(transactions / (answered + result.non2xx)).toFixed(2)} transactions per request; ${line}`,
  );
  if (countersBefore && countersAfter) {
    const per = (name: string) => ((countersAfter.get(name) ?? 0) - (countersBefore.get(name) ?? 0)) / SECONDS;
    say(`round ${round + 1}, ${target.label}: beside the API, per second: ${per('eda_relay_put_records_calls_total').toFixed(0)} PutRecords calls ` +
      `(${per('eda_relay_records_sent_total').toFixed(0)} records), ${per('eda_consumer_get_records_total').toFixed(0)} GetRecords calls`);
  }
  if (target.relays) {
    const started = performance.now();
    await withClient(target.dbUrl, async (client) => {
      const deadline = Date.now() + 120_000;
      while ((await client.query(`SELECT count(*)::int AS n FROM platform.event_log_unpublished`)).rows[0].n > 0) {
        if (Date.now() > deadline) throw new Error(`${target.label}: the relay did not publish what was stored within 120 s`);
        await sleep(100);
      }
    });
    say(`round ${round + 1}, ${target.label}: the relay had published everything ${((performance.now() - started) / 1000).toFixed(1)} s after the window`);
  }
}

export async function run(): Promise<void> {
  const { serverUrl, endpoint, stop } = await startBenchInfrastructure('ingress');
  const targets: Target[] = [];
  const peakRss = new Map<Target, number>();
  try {
    say('starting the bare server and the app twice (ROLES=api, all roles), each on a database of its own');
    targets.push(await startBaseline(serverUrl));
    targets.push(await startApp(serverUrl, endpoint, 'ROLES=api', 'api'));
    targets.push(await startApp(serverUrl, endpoint, 'all roles', undefined));
    for (const target of targets) {
      say(`${target.label}: warming up ${WARMUP_SECONDS} s`);
      await load(target, WARMUP_SECONDS);
    }
    // Windows in turn, so a change in what else the machine runs falls on every target alike.
    say(`${ROUNDS} rounds of ${SECONDS} s per target, ${CONNECTIONS} connections`);
    for (let round = 0; round < ROUNDS; round++) {
      for (const target of targets) await measure(target, round);
    }
    for (const target of targets) peakRss.set(target, target.child.peakRssMb());
  } finally {
    for (const target of targets.reverse()) await target.child.stop();
    await stop();
  }

  const [bare, api, all] = [...targets].reverse();
  const rps = (t: Target) => median(t.windows.map((w) => w.rps));
  const p99 = (t: Target) => median(t.windows.map((w) => w.p99));
  // Ratios per round (the windows next to each other in time), then their median.
  const ratio = (t: Target, of: (w: Window) => number) => median(t.windows.map((w, i) => of(w) / of(bare.windows[i])));
  const bench = 'ingress';
  const at = `${CONNECTIONS} connections, median of ${ROUNDS}`;
  report({ bench, name: `bare Fastify + pg req/s (${at})`, value: Math.round(rps(bare)), unit: 'req/s' });
  report({ bench, name: `bare Fastify + pg p99 (${at})`, value: p99(bare), unit: 'ms' });
  report({ bench, name: 'bare Fastify + pg peak RSS', value: peakRss.get(bare)!, unit: 'MB' });
  for (const [app, minRatio] of [[api, 0.75], [all, 0.5]] as const) {
    report({ bench, name: `POST /events req/s (${app.label}, ${at})`, value: Math.round(rps(app)), unit: 'req/s' });
    report({ bench, name: `POST /events req/s ÷ bare (${app.label})`, value: Number(ratio(app, (w) => w.rps).toFixed(2)), unit: '×', goal: { kind: 'min', value: minRatio } });
    report({ bench, name: `POST /events p99 (${app.label}, ${at})`, value: p99(app), unit: 'ms' });
    report({ bench, name: `POST /events p99 ÷ bare (${app.label})`, value: Number(ratio(app, (w) => w.p99).toFixed(2)), unit: '×', goal: { kind: 'max', value: 2 } });
    report({ bench, name: `app peak RSS (${app.label})`, value: peakRss.get(app)!, unit: 'MB', goal: { kind: 'max', value: 300 } });
  }
}
