import { Client } from 'pg';
import { ident } from '../sql/ident';
import { fullJitterDelay } from '../kinesis/backoff';

export interface PgListenerOptions {
  connectionString: string;
  channels: string[];
  onNotification: (channel: string, payload: string) => void;
  /** Called after every (re)connection, e.g. to catch up on what was missed while the channel was down. */
  onConnected?: () => void;
  log?: (line: string) => void;
  applicationName?: string;
}

/**
 * A dedicated connection that LISTENs on some channels and comes back by itself. Notifications are hints
 * (whoever relies on them also has a tick), so losing the connection (database restart, failover, a killed
 * backend) is logged once, the listener retries with backoff, and one more line says when it is back.
 */
export class PgListener {
  private client?: Client;
  private stopped = false;
  private attempt = 0;
  private retryTimer?: NodeJS.Timeout;
  private down = false;

  constructor(private readonly options: PgListenerOptions) {}

  /** Resolves after the first attempt to connect (successful or not: it keeps retrying in the background). */
  async start(): Promise<void> {
    await this.connect();
  }

  get connected(): boolean {
    return this.client !== undefined;
  }

  /** Sends a NOTIFY on this connection; false (nothing sent) while disconnected. */
  async notify(channel: string, payload: string): Promise<boolean> {
    const client = this.client;
    if (!client) return false;
    try {
      await client.query('SELECT pg_notify($1, $2)', [channel, payload]);
      return true;
    } catch {
      return false;
    }
  }

  /** Runs a statement on this connection; undefined (nothing run) while disconnected or when it fails. */
  async query<T>(text: string, values: unknown[] = []): Promise<T[] | undefined> {
    const client = this.client;
    if (!client) return undefined;
    try {
      return (await client.query(text, values)).rows as T[];
    } catch {
      return undefined;
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const client = new Client({ connectionString: this.options.connectionString, application_name: this.options.applicationName ?? 'eda:listen' });
    client.on('notification', (n) => {
      // PostgreSQL also delivers what this connection sent itself: the sender knew it first-hand already.
      // (pg keeps the backend's pid from the start-up handshake; its typings do not declare it.)
      if (n.processId === (client as unknown as { processID?: number }).processID) return;
      if (n.payload !== undefined) this.options.onNotification(n.channel, n.payload);
    });
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client, new Error('connection ended')));
    try {
      await client.connect();
      for (const channel of this.options.channels) await client.query(`LISTEN ${ident(channel)}`);
    } catch (error) {
      await client.end().catch(() => undefined);
      this.lost(client, error as Error);
      return;
    }
    if (this.stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.attempt = 0;
    if (this.down) this.options.log?.(`notification channel ${this.options.channels.join(', ')} is back`);
    this.down = false;
    this.options.onConnected?.();
  }

  private lost(client: Client, error: Error): void {
    if (this.stopped) return;
    if (this.client !== undefined && this.client !== client) return; // an older connection's late event
    if (this.client === client) this.client = undefined;
    else if (this.retryTimer) return; // already scheduled for this failure
    client.removeAllListeners('end');
    client.on('error', () => undefined);
    void client.end().catch(() => undefined);
    if (!this.down) {
      this.options.log?.(`notification channel ${this.options.channels.join(', ')} lost (${error.message}); falling back to the tick, reconnecting`);
      this.down = true;
    }
    const delay = Math.max(100, fullJitterDelay(++this.attempt, { baseMs: 200, capMs: 5_000 }));
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.connect();
    }, delay);
    this.retryTimer.unref();
  }
}
