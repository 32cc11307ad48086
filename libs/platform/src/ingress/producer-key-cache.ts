import { PgListener } from '../wakeups/pg-listener';
import type { ProducerKey } from './producer-key';

/** The channel platform.producer_keys' trigger notifies on at commit: the payload is the id of the key that changed ('*': all). */
export const PRODUCER_KEYS_CHANNEL = 'eda_producer_keys_changed';

/** How often a process reloads the live keys when no notification told it anything (the fallback). */
export const PRODUCER_KEY_REFRESH_MS = 1000;

/** Hashes of presented keys known to be unknown, kept until the next change or refresh; past this many, forgotten at once. */
const MAX_UNKNOWN = 10_000;

/** Where the cache reads keys: the store's SQL. */
export interface LiveProducerKeys {
  /** Every live (unrevoked) key, by the SHA-256 of its secret. */
  liveKeys(): Promise<Map<string, ProducerKey>>;
  /** The live key whose secret has this SHA-256, if any. */
  liveKey(hash: string): Promise<ProducerKey | undefined>;
}

export interface ProducerKeyCacheOptions {
  /** The database to LISTEN on (the platform schema's): none, and the cache only refreshes. */
  connectionString?: string;
  refreshMs?: number;
  log?: (line: string) => void;
}

/**
 * The live producer keys of the database, in memory, so POST /events checks a key without a round trip
 * (docs/adr/0019-ingress-fast-path.md). Loaded at start; a key that changes anywhere (revoked by the CLI,
 * issued, edited) is dropped here as soon as its NOTIFY arrives, and the whole set is reloaded every
 * second as the fallback for a lost notification. A hash that is not in memory is looked up once (a key
 * issued a moment ago works at once) and, when unknown, remembered as unknown until the next change or
 * refresh, so a flood of invented keys does not become a flood of queries.
 *
 * Every change bumps a generation; a load that started before a change does not store what it read,
 * so a revoked key cannot come back from a query that was already on its way.
 */
export class ProducerKeyCache {
  private keys = new Map<string, ProducerKey>();
  private unknown = new Set<string>();
  private generation = 0;
  private started = false;
  private refreshing = false;
  private failing = false;
  private timer?: NodeJS.Timeout;
  private listener?: PgListener;

  constructor(private readonly source: LiveProducerKeys, private readonly options: ProducerKeyCacheOptions = {}) {}

  /** True once the keys are loaded: until then (and after stop) the store asks the database every time. */
  get ready(): boolean {
    return this.started;
  }

  async start(): Promise<void> {
    if (this.started) return;
    await this.refresh(true);
    this.started = true;
    if (this.options.connectionString) {
      this.listener = new PgListener({
        connectionString: this.options.connectionString,
        channels: [PRODUCER_KEYS_CHANNEL],
        onNotification: (_channel, id) => this.forget(id),
        // What changed while the channel was down is only in the table: reload it.
        onConnected: () => void this.refresh(),
        log: this.options.log,
        applicationName: 'eda:producer-keys',
      });
      await this.listener.start();
    }
    this.timer = setInterval(() => void this.refresh(), this.options.refreshMs ?? PRODUCER_KEY_REFRESH_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.started = false;
    clearInterval(this.timer);
    await this.listener?.stop();
  }

  /** The live key with this hash: from memory, else (once) from the database. */
  find(hash: string): ProducerKey | undefined | Promise<ProducerKey | undefined> {
    const known = this.keys.get(hash);
    if (known) return known;
    if (this.unknown.has(hash)) return undefined;
    return this.load(hash);
  }

  /** A key this process just issued: usable at once, without a round trip. */
  remember(hash: string, key: ProducerKey): void {
    this.unknown.delete(hash);
    this.keys.set(hash, key);
  }

  /** The key `id` changed (revoked, issued, edited, deleted; '*': any): drop it, and what was thought unknown. */
  forget(id: string): void {
    this.generation++;
    this.unknown.clear();
    if (id === '*') {
      this.keys.clear();
      return;
    }
    for (const [hash, key] of this.keys) if (key.id === id) this.keys.delete(hash);
  }

  /** Reloads every live key; skipped while a reload runs. Failures are logged once, and retried by the next tick. */
  async refresh(throwOnFailure = false): Promise<void> {
    if (this.refreshing) return;
    this.refreshing = true;
    const generation = this.generation;
    try {
      const keys = await this.source.liveKeys();
      // A change arrived while the query ran: what it read may predate it. The next tick reads again.
      if (generation !== this.generation) return;
      this.keys = keys;
      this.unknown = new Set();
      if (this.failing) this.options.log?.('producer keys are reloaded again');
      this.failing = false;
    } catch (error) {
      if (throwOnFailure) throw error;
      if (!this.started) return; // stopping: the connections are going
      if (!this.failing) this.options.log?.(`reloading the producer keys failed (${(error as Error).message}); retrying every tick`);
      this.failing = true;
    } finally {
      this.refreshing = false;
    }
  }

  private async load(hash: string): Promise<ProducerKey | undefined> {
    const generation = this.generation;
    const key = await this.source.liveKey(hash);
    if (generation === this.generation) {
      if (key) this.keys.set(hash, key);
      else {
        if (this.unknown.size >= MAX_UNKNOWN) this.unknown.clear();
        this.unknown.add(hash);
      }
    }
    return key;
  }
}
