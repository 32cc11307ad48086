import { PgListener } from './pg-listener';
import type { ShardWakeups } from './shard-wakeups';

/** The PostgreSQL channel that carries "records were written to these shards" between processes. */
export const SHARDS_WRITTEN_CHANNEL = 'eda_shards_written';
/** NOTIFY payloads are limited to 8,000 bytes. */
const MAX_PAYLOAD = 7_900;
/** application_name of a connection that listens for wakes (the one a sender looks for), and of one that only sends. */
export const WAKEUPS_LISTENER_NAME = 'eda:wakeups';
const WAKEUPS_SENDER_NAME = 'eda:wakeups-send';
/** How long a sender trusts what it last saw of the other processes' listeners. */
const LISTENERS_RECHECK_MS = 1_000;

/**
 * Carries shard wake-ups between processes through LISTEN/NOTIFY on one dedicated connection per process:
 * local publishes go out (coalesced: while one NOTIFY is in flight, the next collects every shard written
 * meanwhile, so a flood of publishes is a handful of notifications), and notifications from other
 * processes wake this process's readers. A payload is lines of `stream<TAB>shard,shard`.
 *
 * A sender with nobody else to wake sends nothing: it looks (at most once a second, in pg_stat_activity) for a
 * listening connection of another process, by its application_name. A listener that has just started may so miss
 * the wakes of its first second; it reads on its tick meanwhile, as after any lost wake. Where the connection does
 * not carry the name it was given (an application_name in DATABASE_URL wins), the sender cannot tell and always sends.
 */
export class PgWakeupChannel {
  private readonly listener: PgListener;
  private readonly pending = new Map<string, Set<string>>();
  private sending = false;
  private unforward?: () => void;
  private readonly applicationName: string;
  /** What the last look found: another process listens (or we cannot tell), and when it looked. */
  private othersListen = true;
  private lookedAt = -Infinity;

  constructor(
    private readonly hub: ShardWakeups,
    options: { connectionString: string; listen: boolean; send: boolean; log?: (line: string) => void },
  ) {
    this.applicationName = options.listen ? WAKEUPS_LISTENER_NAME : WAKEUPS_SENDER_NAME;
    this.listener = new PgListener({
      connectionString: options.connectionString,
      channels: options.listen ? [SHARDS_WRITTEN_CHANNEL] : [],
      onNotification: (_channel, payload) => this.received(payload),
      log: options.log,
      applicationName: this.applicationName,
    });
    if (options.send) this.unforward = hub.forward((stream, shards) => this.enqueue(stream, shards));
  }

  start(): Promise<void> {
    return this.listener.start();
  }

  async stop(): Promise<void> {
    this.unforward?.();
    await this.listener.stop();
  }

  private enqueue(stream: string, shardIds: readonly string[]): void {
    let shards = this.pending.get(stream);
    if (!shards) this.pending.set(stream, (shards = new Set()));
    for (const id of shardIds) shards.add(id);
    if (!this.sending) void this.send();
  }

  private async send(): Promise<void> {
    this.sending = true;
    try {
      while (this.pending.size > 0) {
        const payloads = encode(this.pending);
        this.pending.clear();
        if (!(await this.anyoneElseListens())) continue;
        // A notification that cannot be sent is dropped: readers elsewhere fall back to their tick.
        for (const payload of payloads) await this.listener.notify(SHARDS_WRITTEN_CHANNEL, payload);
      }
    } finally {
      this.sending = false;
    }
  }

  private async anyoneElseListens(): Promise<boolean> {
    if (performance.now() - this.lookedAt < LISTENERS_RECHECK_MS) return this.othersListen;
    const [seen] = (await this.listener.query<{ named: boolean; listening: boolean }>(
      `SELECT current_setting('application_name') = $1 AS named,
              EXISTS (SELECT 1 FROM pg_stat_activity
                       WHERE datname = current_database() AND application_name = $2 AND pid <> pg_backend_pid()) AS listening`,
      [this.applicationName, WAKEUPS_LISTENER_NAME],
    )) ?? [];
    // Not connected: nothing can be sent now anyway; look again next time.
    if (!seen) return false;
    this.othersListen = !seen.named || seen.listening;
    this.lookedAt = performance.now();
    return this.othersListen;
  }

  private received(payload: string): void {
    for (const line of payload.split('\n')) {
      const [stream, shards] = line.split('\t');
      if (stream && shards) this.hub.deliver(stream, shards.split(','));
    }
  }
}

export function encode(pending: Map<string, Set<string>>): string[] {
  const payloads: string[] = [];
  let current = '';
  for (const [stream, shards] of pending) {
    const line = `${stream}\t${[...shards].join(',')}`;
    if (current && current.length + 1 + line.length > MAX_PAYLOAD) {
      payloads.push(current);
      current = '';
    }
    current = current ? `${current}\n${line}` : line;
  }
  if (current) payloads.push(current);
  return payloads;
}
