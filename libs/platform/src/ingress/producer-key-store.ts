import { hash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { PLATFORM_SCHEMA } from '../database/context-definition';
import { sourceProblem } from './incoming-cloud-event';
import { LiveProducerKeys, ProducerKeyCache, ProducerKeyCacheOptions } from './producer-key-cache';
import { PRODUCER_KEY_SCOPES, type ProducerKey, type ProducerKeyScope } from './producer-key';

export { PRODUCER_KEY_SCOPES, type ProducerKey, type ProducerKeyScope } from './producer-key';

const KEY_PREFIX = 'eda_pk_';
const KEY_SHAPE = /^eda_pk_[A-Za-z0-9_-]{43}$/;

/** What the store needs of a connection: TypeORM's DataSource and EntityManager both fit. */
export interface SqlRunner {
  query(sql: string, parameters?: unknown[]): Promise<any>;
}

export interface IssuedProducerKey extends ProducerKey {
  /** The secret itself: shown once, never stored (only its SHA-256 is). */
  key: string;
}

export class ProducerKeyError extends Error {}

/** One-shot SHA-256 (no Hash object): every POST /events hashes the key it presents. */
function hashKey(key: string): string {
  return hash('sha256', key, 'hex');
}

interface ProducerKeyRow {
  id: string;
  allowed_sources: string[];
  scopes: ProducerKeyScope[];
  description: string | null;
  created_at: Date;
  revoked_at: Date | null;
}

const COLUMNS = 'id, allowed_sources, scopes, description, created_at, revoked_at';

function toProducerKey(row: ProducerKeyRow): ProducerKey {
  return { id: row.id, allowedSources: row.allowed_sources, scopes: row.scopes, description: row.description, createdAt: row.created_at, revokedAt: row.revoked_at };
}

/**
 * Producer keys in platform.producer_keys, shared by the CLI (`npm run producer-key`) and POST /events.
 * A key may claim only the sources it was issued for, and never a source of the app's own contexts.
 * A process serving the routes keeps the live keys in memory (startCache, ProducerKeyCache): checking a
 * key is then a hash and a map lookup; a key revoked anywhere stops working here within a second.
 */
export class ProducerKeyStore implements LiveProducerKeys {
  private readonly reserved: Set<string>;
  private cache?: ProducerKeyCache;

  /**
   * `ownSources`: the app's own contexts (its storages' names), whose sources and type namespaces only they write;
   * the platform's own is always among them. The platform names no context itself.
   */
  constructor(private readonly db: SqlRunner, ownSources: readonly string[] = []) {
    this.reserved = new Set([PLATFORM_SCHEMA, ...ownSources].map((s) => s.toLowerCase()));
  }

  /** Loads the live keys into memory and keeps them current (LISTEN on `connectionString`, and a periodic reload). */
  async startCache(options: ProducerKeyCacheOptions = {}): Promise<void> {
    const cache = new ProducerKeyCache(this, options);
    await cache.start();
    this.cache = cache;
  }

  async stopCache(): Promise<void> {
    const cache = this.cache;
    this.cache = undefined;
    await cache?.stop();
  }

  /** True for a source only the app's own contexts may use (compared case-insensitively, so `Users` is refused too). */
  isReserved(source: string): boolean {
    return this.reserved.has(source.toLowerCase());
  }

  /**
   * True for a type in the namespace of one of the app's own contexts (`orders.OrderApproved`, `Users.X`):
   * consumers trust those types to come from the context, so no producer may publish one, whatever its source.
   */
  isReservedType(type: string): boolean {
    const dot = type.indexOf('.');
    return dot > 0 && this.reserved.has(type.slice(0, dot).toLowerCase());
  }

  async issue(allowedSources: string[], description?: string, scopes: readonly string[] = ['publish']): Promise<IssuedProducerKey> {
    const sources = [...new Set(allowedSources)];
    const granted = [...new Set(scopes)];
    if (granted.length === 0) throw new ProducerKeyError(`a producer key needs at least one scope (${PRODUCER_KEY_SCOPES.join(', ')})`);
    for (const scope of granted) {
      if (!(PRODUCER_KEY_SCOPES as readonly string[]).includes(scope)) throw new ProducerKeyError(`unknown scope ${JSON.stringify(scope)}: use ${PRODUCER_KEY_SCOPES.join(', ')}`);
    }
    if (granted.includes('publish') && sources.length === 0) throw new ProducerKeyError('a producer key with the publish scope needs at least one source');
    for (const source of sources) {
      const problem = sourceProblem(source);
      if (problem) throw new ProducerKeyError(`${JSON.stringify(source)}: ${problem}`);
      if (this.isReserved(source)) throw new ProducerKeyError(`${JSON.stringify(source)} is a source of this app's own contexts and cannot be given to a producer`);
    }
    const key = `${KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
    const rows = await this.db.query(
      `INSERT INTO platform.producer_keys (id, key_hash, allowed_sources, scopes, description)
       VALUES ($1, $2, $3::text[], $4::text[], $5)
       RETURNING ${COLUMNS}`,
      [randomUUID(), hashKey(key), sources, granted, description ?? null],
    );
    const issued = toProducerKey(rows[0]);
    this.cache?.remember(hashKey(key), issued);
    return { ...issued, key };
  }

  /**
   * The live key matching `key`, or undefined (unknown, malformed or revoked). Keys are found by the
   * SHA-256 of the presented key (in memory, or by the database's index), so timing can reveal at most how
   * a guess's digest compares, never the secret.
   */
  async authenticate(key: string): Promise<ProducerKey | undefined> {
    if (!KEY_SHAPE.test(key)) return undefined;
    const presented = hashKey(key);
    return this.cache?.ready ? this.cache.find(presented) : this.liveKey(presented);
  }

  /** The live key whose secret has this SHA-256, from the database; the final equality is checked in constant time. */
  async liveKey(hash: string): Promise<ProducerKey | undefined> {
    const rows: Array<ProducerKeyRow & { key_hash: string }> = await this.db.query(
      `SELECT ${COLUMNS}, key_hash FROM platform.producer_keys WHERE key_hash = $1 AND revoked_at IS NULL`,
      [hash],
    );
    const row = rows[0];
    if (!row || row.key_hash.length !== hash.length) return undefined;
    return timingSafeEqual(Buffer.from(row.key_hash), Buffer.from(hash)) ? toProducerKey(row) : undefined;
  }

  /** Every live key, by the SHA-256 of its secret (what the cache holds). */
  async liveKeys(): Promise<Map<string, ProducerKey>> {
    const rows: Array<ProducerKeyRow & { key_hash: string }> = await this.db.query(
      `SELECT ${COLUMNS}, key_hash FROM platform.producer_keys WHERE revoked_at IS NULL`,
    );
    return new Map(rows.map((row) => [row.key_hash, toProducerKey(row)]));
  }

  /** May `key` do `scope`? */
  grants(key: ProducerKey, scope: ProducerKeyScope): boolean {
    return key.scopes.includes(scope);
  }

  /** May `key` publish events of `source`? Never for the app's own contexts, whatever the key says. */
  allows(key: ProducerKey, source: string): boolean {
    return this.grants(key, 'publish') && !this.isReserved(source) && key.allowedSources.includes(source);
  }

  /**
   * Revokes the key: at once in this process, in the others as soon as the table's trigger notifies them
   * (within a second at worst: their periodic reload).
   */
  async revoke(id: string): Promise<boolean> {
    const rows: Array<{ id: string }> = await this.db.query(
      `WITH revoked AS (
         UPDATE platform.producer_keys SET revoked_at = now() WHERE id::text = $1 AND revoked_at IS NULL RETURNING id
       ) SELECT id FROM revoked`,
      [id],
    );
    for (const row of rows) this.cache?.forget(row.id);
    return rows.length > 0;
  }

  async list(): Promise<ProducerKey[]> {
    const rows = await this.db.query(
      `SELECT ${COLUMNS} FROM platform.producer_keys ORDER BY created_at, id`,
    );
    return rows.map(toProducerKey);
  }
}
