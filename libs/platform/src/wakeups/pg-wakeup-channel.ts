import { PgListener } from './pg-listener';
import type { ShardWakeups } from './shard-wakeups';

/** The PostgreSQL channel that carries "records were written to these shards" between processes. */
export const SHARDS_WRITTEN_CHANNEL = 'eda_shards_written';
/** NOTIFY payloads are limited to 8,000 bytes. */
const MAX_PAYLOAD = 7_900;

/**
 * Carries shard wake-ups between processes through LISTEN/NOTIFY on one dedicated connection per process:
 * local publishes go out (coalesced: while one NOTIFY is in flight, the next collects every shard written
 * meanwhile, so a flood of publishes is a handful of notifications), and notifications from other
 * processes wake this process's readers. A payload is lines of `stream<TAB>shard,shard`.
 */
export class PgWakeupChannel {
  private readonly listener: PgListener;
  private readonly pending = new Map<string, Set<string>>();
  private sending = false;
  private unforward?: () => void;

  constructor(
    private readonly hub: ShardWakeups,
    options: { connectionString: string; listen: boolean; send: boolean; log?: (line: string) => void },
  ) {
    this.listener = new PgListener({
      connectionString: options.connectionString,
      channels: options.listen ? [SHARDS_WRITTEN_CHANNEL] : [],
      onNotification: (_channel, payload) => this.received(payload),
      log: options.log,
      applicationName: 'eda:wakeups',
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
        // A notification that cannot be sent is dropped: readers elsewhere fall back to their tick.
        for (const payload of payloads) await this.listener.notify(SHARDS_WRITTEN_CHANNEL, payload);
      }
    } finally {
      this.sending = false;
    }
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
