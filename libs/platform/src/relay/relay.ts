import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { Client, Pool } from 'pg';
import { hostname } from 'node:os';
import type { AppConfig } from '../config/app-config';
import type { ContextStorage } from '../database/context-definition';
import type { DatabaseTopology } from '../database/database-topology';
import { BackoffPolicy, fullJitterDelay, Pause } from '../kinesis/backoff';
import { logicalStreams, PLATFORM_SCHEMA } from '../database/context-definition';
import { literal } from '../sql/ident';
import { StreamProvisioner } from '../kinesis/stream-provisioner';
import { OrderedPublisher } from './ordered-publisher';
import { PollingSource } from './polling-source';
import { RELAY_PUBLICATION, relaySlotName } from './provision-relay';
import { ParkedStore } from './parked-store';
import { PublishedMarker } from './published-marker';
import { RelayMetrics } from './relay-metrics';
import { owedToKinesis } from './relay-status';
import { WalSource } from './wal-source';

export type RelayMode = 'wal' | 'polling';

/** Advisory-lock key of the relay (per database: advisory locks do not cross databases). */
export const RELAY_LOCK = 74_201_002;

export interface RelayDependencies {
  config: Pick<AppConfig, 'STREAM_PREFIX' | 'RELAY_MODE' | 'KINESIS_AGGREGATION' | 'STREAM_SHARDS' | 'STREAM_RETENTION_HOURS' | 'STREAM_KMS_KEY_ID' | 'WORKER_ID'>;
  topology: DatabaseTopology;
  storages: Pick<ContextStorage, 'name'>[];
  kinesis: KinesisClient;
  metrics: RelayMetrics;
  provisioner?: StreamProvisioner;
  log?: (line: string) => void;
  /** Told which shards each confirmed PutRecords wrote to (wake-on-publish). */
  onShardsWritten?: (streamName: string, shardIds: string[]) => void;
}

export interface RelayTuning {
  /** How often a standby tries to take the relay lock. */
  standbyRetryMs?: number;
  maxCallsInFlight?: number;
  maxBuffered?: number;
  pollBatchSize?: number;
  pollIdleMs?: number;
  backoff?: BackoffPolicy;
  /** How often the active relay looks for parked keys an operator retried or discarded. */
  releasePollMs?: number;
  /** WAL mode: how often the relay looks for committed rows the replication stream did not deliver. */
  undeliveredCheckMs?: number;
  /** WAL mode: how long a committed row may stay unpublished while the stream is caught up before it counts as undelivered. */
  undeliveredAfterMs?: number;
}

/**
 * The relay (docs/architecture.md §2): event logs → Kinesis, exactly one active per database. The process holding a
 * PostgreSQL advisory lock on a dedicated connection relays; others wait as standbys and take over when the
 * holder's connection dies with it. The active relay tails the WAL when the database allows logical
 * replication (else, or with RELAY_MODE=polling, it polls) and publishes through the OrderedPublisher.
 */
export class Relay {
  readonly holder: string;
  private stopped = false;
  private loop?: Promise<void>;
  private lockClient?: Client;
  private pool?: Pool;
  private publisher?: OrderedPublisher;
  private source?: WalSource | PollingSource;
  private readonly provisioner: StreamProvisioner;
  private readonly standbyPause = new Pause();
  private readonly releasesPause = new Pause();
  private readonly undeliveredPause = new Pause();
  private releasesStopped = false;
  mode?: RelayMode;
  active = false;

  constructor(private readonly deps: RelayDependencies, private readonly tuning: RelayTuning = {}) {
    this.holder = deps.config.WORKER_ID ?? `${hostname()}:${process.pid}`;
    this.provisioner = deps.provisioner ?? new StreamProvisioner(deps.kinesis, {
      shards: deps.config.STREAM_SHARDS,
      retentionHours: deps.config.STREAM_RETENTION_HOURS,
      kmsKeyId: deps.config.STREAM_KMS_KEY_ID,
    }, { log: deps.log });
  }

  get lastPublishedAt(): Date | undefined {
    return this.publisher?.lastConfirmedAt;
  }

  /** Starts in the background: waits for the lock, then relays until stopped. */
  start(): void {
    this.loop ??= this.run();
  }

  /** Stops reading, lets in-flight PutRecords finish, stamps what they confirmed, releases the lock. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.standbyPause.interrupt();
    await this.source?.stop();
    // A source waiting on a full publisher (Kinesis down) is released by stopping the publisher too.
    await this.publisher?.stop();
    await this.loop;
  }

  private async run(): Promise<void> {
    for (let attempt = 0; !this.stopped; ) {
      try {
        if (!(await this.acquireLock())) {
          await this.standby(this.tuning.standbyRetryMs ?? 2_000);
          continue;
        }
        attempt = 0;
        await this.relay();
      } catch (error) {
        if (this.stopped) break;
        this.deps.log?.(`relay interrupted (${(error as Error).message}); restarting`);
        await this.standby(Math.max(100, fullJitterDelay(++attempt, { baseMs: 200, capMs: 5_000 })));
      } finally {
        await this.releaseLock();
      }
    }
  }

  private async acquireLock(): Promise<boolean> {
    const client = new Client({ connectionString: this.deps.topology.access(PLATFORM_SCHEMA).url });
    client.on('error', () => undefined);
    await client.connect();
    const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [RELAY_LOCK]);
    if (!rows[0].locked) {
      await client.end();
      return false;
    }
    this.lockClient = client;
    return true;
  }

  private async releaseLock(): Promise<void> {
    const client = this.lockClient;
    this.lockClient = undefined;
    this.active = false;
    if (!client) return;
    await client.query('SELECT pg_advisory_unlock($1)', [RELAY_LOCK]).catch(() => undefined);
    await client.end().catch(() => undefined);
  }

  private async standby(ms: number): Promise<void> {
    if (!this.stopped) await this.standbyPause.wait(ms);
  }

  private async relay(): Promise<void> {
    const { config, topology, storages } = this.deps;
    const pool = new Pool({ connectionString: topology.access(PLATFORM_SCHEMA).url, max: 3 });
    pool.on('error', () => undefined);
    this.pool = pool;
    const marker = new PublishedMarker(pool);
    const parked = new ParkedStore(pool);
    this.releasesStopped = false;
    let wal: WalSource | undefined;
    const publisher = new OrderedPublisher(
      this.deps.kinesis,
      this.provisioner,
      {
        streamPrefix: config.STREAM_PREFIX,
        aggregation: config.KINESIS_AGGREGATION,
        parking: {
          park: (parkings) => parked.park(parkings),
          republished: (records) => {
            marker.add(records);
            parked.markPublished(records.map((r) => r.parkedId)).catch((error: Error) => this.deps.log?.(`marking parked records published failed: ${error.message}`));
          },
        },
        maxCallsInFlight: this.tuning.maxCallsInFlight,
        maxBuffered: this.tuning.maxBuffered,
        backoff: this.tuning.backoff,
        log: this.deps.log,
        onShardsWritten: this.deps.onShardsWritten,
      },
      this.deps.metrics,
      (confirmed, checkpoint) => {
        marker.add(confirmed);
        if (checkpoint && wal) wal.reached(checkpoint);
      },
    );
    this.publisher = publisher;
    // Losing the lock connection means another relay may take over: stop at once.
    let releasing: Promise<void> | undefined;
    const lockLost = new Promise<never>((_, reject) => this.lockClient!.once('error', () => reject(new Error('relay lock connection lost'))));
    lockLost.catch(() => undefined);
    // A source left running after the lock is lost is stopped in `finally`; its own failure then is no news.
    const whileLocked = <T>(work: Promise<T>): Promise<T> => {
      work.catch(() => undefined);
      return Promise.race([work, lockLost]);
    };
    try {
      await whileLocked(this.provisioner.ensureAll(logicalStreams(this.deps.storages).map((s) => config.STREAM_PREFIX + s)));
      const mode = await this.chooseMode(pool);
      this.mode = mode;
      await pool.query(
        `INSERT INTO platform.relay_state (id, mode, holder, started_at) VALUES (1, $1, $2, now())
         ON CONFLICT (id) DO UPDATE SET mode = EXCLUDED.mode, holder = EXCLUDED.holder, started_at = EXCLUDED.started_at`,
        [mode, this.holder],
      );
      // Keys parked by an earlier relay stay parked: their new records queue behind the parked ones.
      publisher.parkKeys(await parked.openKeys());
      releasing = this.watchReleases(parked, publisher);
      this.active = true;
      this.deps.log?.(`relay active (${mode}) as ${this.holder}`);
      const schemas = storages.map((s) => s.name);
      // Polling mode listens for commits (where the database notifies them); WAL mode's catch-up pass need not.
      const polling = new PollingSource(pool, schemas, publisher, marker, {
        batchSize: this.tuning.pollBatchSize,
        idleMs: this.tuning.pollIdleMs,
        listen: mode === 'polling' ? { connectionString: topology.access(PLATFORM_SCHEMA).url, log: this.deps.log } : undefined,
      });
      if (mode === 'polling') {
        this.source = polling;
        if (this.stopped) return;
        await whileLocked(polling.run());
        return;
      }
      const slotName = relaySlotName(topology);
      await this.ensureSlot(slotName);
      // Rows written before the slot existed are not in its stream: publish what is unpublished up to now.
      const upTo = await polling.currentPositions();
      this.source = polling;
      // What the pass publishes and the slot delivers again (committed after the slot's confirmed position,
      // e.g. everything a killed relay published but had not confirmed) goes out once, not twice.
      const alreadyPublished = new Set<string>();
      while (!this.stopped && (await whileLocked(polling.pass(upTo, alreadyPublished))) > 0);
      if (this.stopped) return;
      wal = new WalSource({ connectionString: topology.replicationAccess().url }, publisher, marker, {
        slotName, publication: RELAY_PUBLICATION, log: this.deps.log, alreadyPublished,
      });
      this.source = wal;
      const watchdog = this.watchUndelivered(pool, schemas, wal);
      try {
        await whileLocked(wal.run());
      } finally {
        this.undeliveredPause.interrupt();
      }
      const undelivered = await watchdog;
      if (!this.stopped) throw new Error(undelivered ?? 'replication stream ended');
    } finally {
      await this.source?.stop();
      this.releasesStopped = true;
      this.releasesPause.interrupt();
      await releasing;
      await publisher.stop();
      if (wal) await wal.flush();
      else await marker.flush().catch(() => undefined);
      this.source = undefined;
      await pool.end().catch(() => undefined);
      this.pool = undefined;
    }
  }

  private async chooseMode(pool: Pool): Promise<RelayMode> {
    const requested = this.deps.config.RELAY_MODE;
    if (requested === 'polling') return 'polling';
    const { rows } = await pool.query<{ wal_level: string; replication: boolean; publication: boolean }>(`
      SELECT current_setting('wal_level') AS wal_level,
             coalesce((SELECT rolreplication OR rolsuper FROM pg_roles WHERE rolname = $2), false) AS replication,
             EXISTS (SELECT 1 FROM pg_publication WHERE pubname = $1) AS publication`, [RELAY_PUBLICATION, this.deps.topology.replicationAccess().role]);
    const { wal_level, replication, publication } = rows[0];
    const missing = [
      wal_level !== 'logical' ? `wal_level is ${wal_level}, not logical` : undefined,
      replication ? undefined : `the replication role ${this.deps.topology.replicationAccess().role} is missing or lacks REPLICATION`,
      publication ? undefined : `publication ${RELAY_PUBLICATION} is missing`,
    ].filter(Boolean);
    if (missing.length === 0) return 'wal';
    if (requested === 'wal') throw new Error(`RELAY_MODE=wal but logical replication is unavailable: ${missing.join('; ')}`);
    this.deps.log?.(`relay polls: ${missing.join('; ')}`);
    return 'polling';
  }

  /** Creates the slot as the replication role (creating one needs REPLICATION, which the platform role lacks). */
  private async ensureSlot(slotName: string): Promise<void> {
    const client = new Client({ connectionString: this.deps.topology.replicationAccess().url });
    client.on('error', () => undefined);
    await client.connect();
    try {
      const exists = await client.query('SELECT 1 FROM pg_replication_slots WHERE slot_name = $1', [slotName]);
      if (exists.rowCount === 0) {
        await client.query(`SELECT pg_create_logical_replication_slot($1, 'pgoutput')`, [slotName]).catch((error: { code?: string }) => {
          if (error.code !== '42710') throw error; // created concurrently
        });
      }
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  /**
   * A safety net under the WAL path. A row committed more than `undeliveredAfterMs` ago, unpublished and not
   * parked, while everything the slot delivered is published, was lost between the slot and the publisher —
   * which must not happen, but would otherwise hold its key's consumers back until the next restart. Seen on
   * two looks in a row, the stream is ended (counted, logged with the rows) and the relay restarts: its
   * catch-up pass publishes the row. Resolves with the reason when it ended the stream.
   */
  private async watchUndelivered(pool: Pool, schemas: string[], wal: WalSource): Promise<string | undefined> {
    const afterMs = this.tuning.undeliveredAfterMs ?? 10_000;
    const sql = schemas.map((schema) => `(SELECT ${literal(schema)}::text AS schema, u.position::text AS position FROM ${owedToKinesis(schema)}
        AND u.recorded_at < clock_timestamp() - make_interval(secs => $1::double precision / 1000)
        ORDER BY u.position LIMIT 20)`).join(' UNION ALL ');
    let suspects = new Set<string>();
    while (!this.stopped) {
      await this.undeliveredPause.wait(this.tuning.undeliveredCheckMs ?? 5_000);
      if (this.stopped || !wal.running) return undefined;
      if (!wal.caughtUp()) {
        suspects = new Set();
        continue;
      }
      let rows: Array<{ schema: string; position: string }>;
      try {
        rows = (await pool.query<{ schema: string; position: string }>(sql, [afterMs])).rows;
      } catch (error) {
        this.deps.log?.(`looking for undelivered rows failed: ${(error as Error).message}`);
        continue;
      }
      const seen = new Set(rows.map((r) => `${r.schema} position ${r.position}`));
      const lost = [...seen].filter((row) => suspects.has(row));
      suspects = seen;
      if (lost.length === 0 || !wal.caughtUp()) continue;
      this.deps.metrics.undelivered.inc(lost.length);
      const reason = `the replication stream did not deliver ${lost.length} committed row(s) (${lost.join(', ')}); restarting from the slot to publish them`;
      this.deps.log?.(`relay: ${reason}`);
      await wal.stop();
      return reason;
    }
    return undefined;
  }

  /**
   * Releases parked keys while the relay is active: a key an operator retried (or whose head was discarded)
   * is read back from platform.relay_parked and sent again in order before its newer records; a key parked
   * here whose rows are all resolved flows again.
   */
  private async watchReleases(parked: ParkedStore, publisher: OrderedPublisher): Promise<void> {
    while (!this.stopped && !this.releasesStopped) {
      try {
        const open = await parked.openKeys();
        const openKeys = new Set(open.map((k) => `${k.stream}\u0000${k.partitionKey}`));
        const candidates = [
          ...open.filter((k) => k.retrying),
          ...publisher.parkedKeys().filter((k) => !openKeys.has(`${k.stream}\u0000${k.partitionKey}`)),
        ];
        for (const { stream, partitionKey } of candidates) {
          if (!(await publisher.beginRelease(stream, partitionKey))) continue;
          let rows;
          try {
            rows = await parked.openRowsOfKey(stream, partitionKey);
          } catch (error) {
            publisher.repark(stream, partitionKey);
            throw error;
          }
          // Rows all still `parked`: the key was parked after the look-up above; nobody asked to release it.
          if (rows.length > 0 && rows.every((r) => r.status === 'parked')) publisher.repark(stream, partitionKey);
          else {
            if (rows.length > 0) this.deps.log?.(`re-sending ${rows.length} parked record(s) of ${stream} / ${partitionKey}`);
            publisher.release(stream, partitionKey, rows);
          }
        }
      } catch (error) {
        this.deps.log?.(`looking for released parked records failed: ${(error as Error).message}`);
      }
      if (!this.stopped && !this.releasesStopped) await this.releasesPause.wait(this.tuning.releasePollMs ?? 500);
    }
  }
}
