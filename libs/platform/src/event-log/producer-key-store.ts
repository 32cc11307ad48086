import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { sourceProblem } from './incoming-cloud-event';

/** The `source`s of the app's own contexts: only the contexts themselves write events under these names. */
export const OWN_CONTEXT_SOURCES = ['users', 'organizations', 'inventory', 'orders', 'platform'] as const;

const KEY_PREFIX = 'eda_pk_';
const KEY_SHAPE = /^eda_pk_[A-Za-z0-9_-]{43}$/;

/** What the store needs of a connection: TypeORM's DataSource and EntityManager both fit. */
export interface SqlRunner {
  query(sql: string, parameters?: unknown[]): Promise<any>;
}

export interface ProducerKey {
  id: string;
  allowedSources: string[];
  description: string | null;
  createdAt: Date;
  revokedAt: Date | null;
}

export interface IssuedProducerKey extends ProducerKey {
  /** The secret itself: shown once, never stored (only its SHA-256 is). */
  key: string;
}

export class ProducerKeyError extends Error {}

function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

function toProducerKey(row: { id: string; allowed_sources: string[]; description: string | null; created_at: Date; revoked_at: Date | null }): ProducerKey {
  return { id: row.id, allowedSources: row.allowed_sources, description: row.description, createdAt: row.created_at, revokedAt: row.revoked_at };
}

/**
 * Producer keys in platform.producer_keys, shared by the CLI (`npm run producer-key`) and POST /events.
 * A key may claim only the sources it was issued for, and never a source of the app's own contexts.
 */
export class ProducerKeyStore {
  private readonly reserved: Set<string>;

  constructor(private readonly db: SqlRunner, ownSources: readonly string[] = []) {
    this.reserved = new Set([...OWN_CONTEXT_SOURCES, ...ownSources].map((s) => s.toLowerCase()));
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

  async issue(allowedSources: string[], description?: string): Promise<IssuedProducerKey> {
    const sources = [...new Set(allowedSources)];
    if (sources.length === 0) throw new ProducerKeyError('a producer key needs at least one source');
    for (const source of sources) {
      const problem = sourceProblem(source);
      if (problem) throw new ProducerKeyError(`${JSON.stringify(source)}: ${problem}`);
      if (this.isReserved(source)) throw new ProducerKeyError(`${JSON.stringify(source)} is a source of this app's own contexts and cannot be given to a producer`);
    }
    const key = `${KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
    const rows = await this.db.query(
      `INSERT INTO platform.producer_keys (id, key_hash, allowed_sources, description)
       VALUES ($1, $2, $3::text[], $4)
       RETURNING id, allowed_sources, description, created_at, revoked_at`,
      [randomUUID(), hashKey(key), sources, description ?? null],
    );
    return { ...toProducerKey(rows[0]), key };
  }

  /** The live key matching `key`, or undefined (unknown, malformed or revoked). */
  async authenticate(key: string): Promise<ProducerKey | undefined> {
    if (!KEY_SHAPE.test(key)) return undefined;
    const rows = await this.db.query(
      `SELECT id, allowed_sources, description, created_at, revoked_at
       FROM platform.producer_keys WHERE key_hash = $1 AND revoked_at IS NULL`,
      [hashKey(key)],
    );
    return rows.length > 0 ? toProducerKey(rows[0]) : undefined;
  }

  /** May `key` publish events of `source`? Never for the app's own contexts, whatever the key says. */
  allows(key: ProducerKey, source: string): boolean {
    return !this.isReserved(source) && key.allowedSources.includes(source);
  }

  async revoke(id: string): Promise<boolean> {
    const rows = await this.db.query(
      `WITH revoked AS (
         UPDATE platform.producer_keys SET revoked_at = now() WHERE id::text = $1 AND revoked_at IS NULL RETURNING id
       ) SELECT id FROM revoked`,
      [id],
    );
    return rows.length > 0;
  }

  async list(): Promise<ProducerKey[]> {
    const rows = await this.db.query(
      `SELECT id, allowed_sources, description, created_at, revoked_at FROM platform.producer_keys ORDER BY created_at, id`,
    );
    return rows.map(toProducerKey);
  }
}
