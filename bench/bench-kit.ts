import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Pool } from 'pg';
import { MetricsService, type RegisteredHandler, Relay, type RelayDependencies, RelayMetrics } from '@eda/platform';
import { ConsumerMetrics, type ConsumerOptions, ConsumerWorker, DeadLetterStore, LeaseStore, ShardWakeups } from '@eda/platform/runtime';

/** The small tools every bench uses: waiting, order statistics, the bus' parts assembled by hand, a child process. */

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Waits until `probe` holds, looking every 10 ms; fails after `timeoutMs` naming what it waited for. */
export async function until(description: string, probe: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${description}`);
    await sleep(10);
  }
}

/** The p-th percentile of values sorted ascending (nearest rank). */
export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * A relay as the app runs it, with its own metrics and no log lines; with `wakeups`, it wakes the readers of this
 * process directly (the app also carries wakes across processes). Not started.
 */
export function benchRelay(deps: Pick<RelayDependencies, 'config' | 'topology' | 'storages' | 'kinesis'>, wakeups?: ShardWakeups): Relay {
  return new Relay({
    ...deps,
    metrics: new RelayMetrics(new MetricsService()),
    // BENCH_RELAY_LOG=1 prints what the relay says (a restart, a parked key, an undelivered row).
    log: (line) => process.env.BENCH_RELAY_LOG && console.log(`relay: ${line}`),
    ...(wakeups ? { onShardsWritten: (stream: string, shards: string[]) => wakeups.published(stream, shards) } : {}),
  });
}

/** A consumer worker of `options`' group over the platform schema's pool, with its own metrics. Not started. */
export function benchWorker(platformPool: Pool, options: ConsumerOptions, kinesis: KinesisClient, handlers: RegisteredHandler[], wakeups?: ShardWakeups): ConsumerWorker {
  return new ConsumerWorker({
    kinesis,
    leases: new LeaseStore(platformPool, options.consumerGroup),
    deadLetters: new DeadLetterStore(platformPool, options.consumerGroup),
    metrics: new ConsumerMetrics(new MetricsService()),
    options,
    handlers,
    wakeups,
  });
}

/**
 * A `node` child process the bench started (the app, a baseline server), given only the environment named and
 * PATH. BENCH_PROFILE=<dir>: it writes a CPU profile there (node --cpu-prof) when it stops.
 */
export class BenchChild {
  readonly child: ChildProcess;
  private output = '';

  constructor(readonly name: string, entry: string, env: Record<string, string>) {
    const profile = process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [];
    this.child = spawn(process.execPath, [...profile, entry], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    // The app may log every request: keep draining the pipes (a full pipe would stall it), keep only the tail.
    const keep = (d: Buffer) => (this.output = (this.output + d.toString()).slice(-20_000));
    this.child.stdout!.on('data', keep);
    this.child.stderr!.on('data', keep);
  }

  /** Resolves once the process prints its ready line. */
  async ready(): Promise<void> {
    const deadline = Date.now() + 60_000;
    while (!/ready in \d+ ms/.test(this.output)) {
      if (this.child.exitCode !== null || Date.now() > deadline) throw new Error(`${this.name} did not start:\n${this.output.slice(-3000)}`);
      await sleep(50);
    }
  }

  /** Peak resident set size so far (VmHWM), in MB. */
  peakRssMb(): number {
    const status = readFileSync(`/proc/${this.child.pid}/status`, 'utf8');
    const kb = Number(/^VmHWM:\s+(\d+) kB/m.exec(status)?.[1]);
    return Math.round(kb / 1024);
  }

  /** SIGTERM, and SIGKILL if it has not exited within `graceMs`. */
  async stop(graceMs = 20_000): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.kill('SIGTERM');
    await Promise.race([exited, sleep(graceMs)]);
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}
