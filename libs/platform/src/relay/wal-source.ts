import { LogicalReplicationService, PgoutputPlugin, Pgoutput } from 'pg-logical-replication';
import type { ClientConfig } from 'pg';
import type { OrderedPublisher } from './ordered-publisher';
import type { PublishedMarker } from './published-marker';

/** LSNs compare as 64-bit numbers written `hi/lo` in hex. */
export function lsnToBigInt(lsn: string): bigint {
  const [hi, lo] = lsn.split('/');
  return (BigInt(`0x${hi}`) << 32n) + BigInt(`0x${lo}`);
}

const maxLsn = (a: string, b: string) => (lsnToBigInt(a) >= lsnToBigInt(b) ? a : b);
/** The longest an idle slot's position waits before it is acknowledged from a keepalive (the server may ask sooner). */
const HEARTBEAT_ACK_MS = 1_000;

/**
 * pgoutput sends every column as text; the library parses jsonb with JSON.parse. The relay wants the
 * envelope exactly as stored, so JSON columns of the event log stay text (as `envelope::text` reads them).
 */
class EventLogPgoutputPlugin extends PgoutputPlugin {
  override parse(buffer: Buffer): Pgoutput.Message {
    const message = super.parse(buffer);
    if (message.tag === 'relation' && message.name === 'event_log') {
      for (const column of message.columns) if (column.name === 'envelope') column.parser = (raw: unknown) => raw;
    }
    return message;
  }
}

export interface WalSourceOptions {
  slotName: string;
  publication: string;
  /** How often confirmed rows are stamped and the slot acknowledged. */
  flushIntervalMs?: number;
  /** Status updates keep the walsender from timing the connection out even while the relay waits on Kinesis. */
  statusIntervalMs?: number;
  log?: (line: string) => void;
  /**
   * Rows the catch-up pass already published (`schema\u0000position`): the slot delivers those committed after
   * its confirmed position again; each is left out once instead of being published twice.
   */
  alreadyPublished?: Set<string>;
}

/**
 * Tails the event logs through a logical replication slot (pgoutput, INSERTs of the publication only):
 * rows arrive in commit order. The slot is acknowledged only up to the end of the last transaction whose
 * every record Kinesis confirmed and whose rows were stamped, so a crash replays and never skips.
 * Keepalives move the slot on while nothing is pending, so an idle relay does not pin WAL.
 */
export class WalSource {
  private service?: LogicalReplicationService;
  private confirmedLsn?: string;
  /** The end of the last transaction whose records are all confirmed, waiting for its rows to be stamped. */
  private reachedLsn?: string;
  private openTransaction = false;
  private stopped = false;
  private flushTimer?: NodeJS.Timeout;
  private statusTimer?: NodeJS.Timeout;
  /** When the slot was last acknowledged (a standby status update sent). */
  private acknowledgedAt = 0;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly connection: ClientConfig,
    private readonly publisher: OrderedPublisher,
    private readonly marker: PublishedMarker,
    private readonly options: WalSourceOptions,
  ) {}

  /** Called by the publisher's progress listener: the longest confirmed prefix reached `checkpoint`. */
  reached(checkpoint: string): void {
    this.reachedLsn = this.reachedLsn ? maxLsn(this.reachedLsn, checkpoint) : checkpoint;
  }

  /** Streams until the connection ends or fails (the caller reconnects), or until stopped. */
  async run(): Promise<void> {
    const service = new LogicalReplicationService(this.connection, {
      acknowledge: { auto: false, timeoutSeconds: 0 },
      flowControl: { enabled: true },
    });
    this.service = service;
    let failure: unknown;
    service.on('error', (error: Error) => {
      failure ??= error;
      void service.stop();
    });
    service.on('data', async (_lsn: string, message: Pgoutput.Message) => {
      try {
        await this.handle(message);
      } catch (error) {
        // The library would log the error and go on with the next message: this one would be skipped and the
        // slot later acknowledged past it. End the stream instead; the relay restarts from the slot.
        failure ??= error;
        this.options.log?.(`replication message ${message.tag} could not be handled (${(error as Error).message}); restarting from the slot`);
        void service.stop();
      }
    });
    service.on('heartbeat', (walEnd: string, _timestamp: number, shouldRespond: boolean) => {
      if (this.idle()) {
        // Nothing received is unconfirmed: everything before the server's position is either published or not ours.
        this.confirmedLsn = this.confirmedLsn ? maxLsn(this.confirmedLsn, walEnd) : walEnd;
      }
      // The server sends a keepalive each time it has caught up, under steady writes after nearly every commit:
      // answering each was a socket write per commit, 17 % of an all-roles process's CPU under POST /events. It is
      // answered when the server asks, and otherwise at most once per HEARTBEAT_ACK_MS (the slot still moves on).
      if (this.confirmedLsn && (shouldRespond || Date.now() - this.acknowledgedAt >= HEARTBEAT_ACK_MS)) void this.acknowledge(service, this.confirmedLsn);
    });
    this.flushTimer = setInterval(() => void this.flush(), this.options.flushIntervalMs ?? 100);
    this.statusTimer = setInterval(() => {
      if (this.confirmedLsn) void this.acknowledge(service, this.confirmedLsn);
    }, this.options.statusIntervalMs ?? 5_000);
    try {
      // Starting at what this process already confirmed avoids replaying it after a reconnect; the server
      // starts at its own confirmed position when that is later.
      await service.subscribe(
        new EventLogPgoutputPlugin({ protoVersion: 1, publicationNames: [this.options.publication] }),
        this.options.slotName,
        this.confirmedLsn ?? '0/0',
      );
      if (failure && !this.stopped) throw failure;
    } finally {
      clearInterval(this.flushTimer);
      clearInterval(this.statusTimer);
      await service.stop().catch(() => undefined);
      this.service = undefined;
      this.openTransaction = false;
    }
  }

  private async handle(message: Pgoutput.Message): Promise<void> {
    switch (message.tag) {
      case 'begin':
        this.openTransaction = true;
        return;
      case 'insert':
        if (message.relation.name !== 'event_log') return;
        if (this.options.alreadyPublished?.delete(`${message.relation.schema}\u0000${String(message.new.position)}`)) return;
        await this.publisher.push({
          schema: message.relation.schema,
          position: String(message.new.position),
          stream: message.new.stream,
          partitionKey: message.new.partition_key,
          data: message.new.envelope,
        });
        return;
      case 'commit':
        this.openTransaction = false;
        if (message.commitEndLsn) this.publisher.checkpoint(message.commitEndLsn);
        return;
      default:
        return;
    }
  }

  /** Stops reading; what was received keeps being published by the publisher until it is stopped too. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.service?.stop().catch(() => undefined);
  }

  /** Stamps confirmed rows, then moves the slot to the last fully confirmed transaction. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      const target = this.reachedLsn;
      try {
        await this.marker.flush();
      } catch (error) {
        this.options.log?.(`marking rows published failed: ${(error as Error).message}`);
        return;
      }
      if (target && (!this.confirmedLsn || lsnToBigInt(target) > lsnToBigInt(this.confirmedLsn))) {
        this.confirmedLsn = target;
        if (this.service && !this.service.isStop()) await this.acknowledge(this.service, target);
      }
    });
    return this.flushing;
  }

  private acknowledge(service: LogicalReplicationService, lsn: string): Promise<boolean> {
    this.acknowledgedAt = Date.now();
    return service.acknowledge(lsn);
  }

  /** Streaming now (subscribed and not stopped). */
  get running(): boolean {
    return this.service !== undefined && !this.stopped;
  }

  /** Everything received is published, stamped and acknowledged (the heartbeat may move the slot on). */
  caughtUp(): boolean {
    return this.service !== undefined && this.idle();
  }

  private idle(): boolean {
    const queue = this.service as unknown as { _messageQueue?: unknown[]; _processing?: boolean } | undefined;
    // The library queues decoded messages and emits keepalives at once: the queue must be empty too.
    const libraryIdle = !queue?._processing && (queue?._messageQueue?.length ?? 0) === 0;
    return libraryIdle && !this.openTransaction && this.publisher.pending === 0 && this.marker.size === 0
      && (!this.reachedLsn || (this.confirmedLsn !== undefined && lsnToBigInt(this.confirmedLsn) >= lsnToBigInt(this.reachedLsn)));
  }
}
