import type { EntityManager } from 'typeorm';

/** What a projection reads of an event: the same from the stream (a CloudEvent) as from an event log's replay. */
export interface ProjectedEvent {
  id: string;
  type: string;
  data: unknown;
}

/**
 * Where a projection's rows live, inside the caller's transaction. `entityStore(schema)` gives one for a table
 * mapped by a TypeORM EntitySchema; a read model kept otherwise implements these five.
 */
export interface ProjectionStore<Row> {
  /** The fields that identify a row. */
  readonly primaryKey: readonly string[];
  /** Every row matching one of `keys` (all the fields each names), locked until the transaction ends. */
  loadMany(manager: EntityManager, keys: Array<Partial<Row>>): Promise<Row[]>;
  upsertMany(manager: EntityManager, rows: Row[]): Promise<void>;
  /** Deletes the rows with these primary keys. */
  deleteMany(manager: EntityManager, keys: Array<Partial<Row>>): Promise<void>;
  /** Empties the read model: the first step of a rebuild. */
  reset(manager: EntityManager): Promise<void>;
}

export interface ProjectionDeclaration<Row> {
  /** `<context>.<name>`: the handler name (the inbox keeps the applied event ids under it), the lock and the rebuild route's name. */
  name: string;
  /** The context whose schema holds the rows (and whose unit of work applies the events). */
  context: string;
  /** The event types it follows, all of one source context (whose event log a rebuild replays). */
  types: string[];
  /**
   * Which rows an event touches: a key with every primary-key field is one row (evolved from null when absent),
   * a key with fewer is every row matching it (a renamed organization's memberships). Null: none.
   */
  key(event: ProjectedEvent): Partial<Row> | null;
  /** Pure: the row after `event`; null deletes it; the same object means unchanged (nothing is written). */
  evolve(row: Row | null, event: ProjectedEvent): Row | null;
  store: ProjectionStore<Row>;
}

export interface Projection<Row = any> extends ProjectionDeclaration<Row> {
  /** The context whose events it follows: the prefix of its types. */
  source: string;
}

/** Declares a read model; the platform derives its consumer handler (`ProjectionHandler`), its locking and its rebuild. */
export function defineProjection<Row>(declaration: ProjectionDeclaration<Row>): Projection<Row> {
  const sources = [...new Set(declaration.types.map((type) => type.split('.')[0]))];
  if (sources.length !== 1) throw new Error(`Projection ${declaration.name} follows types of ${sources.length} sources; a rebuild replays one event log.`);
  if (!declaration.name.startsWith(`${declaration.context}.`)) throw new Error(`Projection ${declaration.name} must be named <context>.<name> (${declaration.context}).`);
  return { ...declaration, source: sources[0] };
}

type Fields = Record<string, unknown>;

/** The event's key, or null when it names no row (a field it needs is missing: never "every row"). */
function keyOf<Row>(projection: Projection<Row>, event: ProjectedEvent): Partial<Row> | null {
  const key = projection.key(event) as Fields | null;
  if (!key) return null;
  const values = Object.values(key);
  return values.length > 0 && values.every((v) => v !== undefined && v !== null) ? (key as Partial<Row>) : null;
}

const fingerprint = (key: Fields) => JSON.stringify(Object.keys(key).sort().map((field) => [field, key[field]]));

/**
 * Pure: evolves `loaded` (every stored row the events' keys match) through `events`, in order, in memory, and says
 * what to write: the rows that changed and the keys of the stored rows that are gone. Applying the events one at
 * a time through this function gives the same table as applying them all at once.
 */
export function evolveRows<Row>(projection: Projection<Row>, loaded: Row[], events: ProjectedEvent[]): { upserts: Row[]; deletes: Array<Partial<Row>> } {
  const primaryKey = projection.store.primaryKey;
  const idOf = (fields: Fields) => JSON.stringify(primaryKey.map((f) => fields[f]));
  const primaryKeyOf = (fields: Fields) => Object.fromEntries(primaryKey.map((f) => [f, fields[f]])) as Partial<Row>;
  const rows = new Map<string, Row | null>(loaded.map((row) => [idOf(row as Fields), row]));
  const stored = new Map<string, Partial<Row>>(loaded.map((row) => [idOf(row as Fields), primaryKeyOf(row as Fields)]));
  const changed = new Set<string>();
  for (const event of events) {
    const key = keyOf(projection, event) as Fields | null;
    if (!key) continue;
    const touched: Array<[string, Row | null]> = primaryKey.every((f) => f in key)
      ? [[idOf(key), rows.get(idOf(key)) ?? null]]
      : [...rows].filter(([, row]) => row !== null && Object.entries(key).every(([f, v]) => (row as Fields)[f] === v));
    for (const [id, current] of touched) {
      const next = projection.evolve(current, event);
      if (next === current) continue;
      if (next !== null && idOf(next as Fields) !== id) throw new Error(`Projection ${projection.name} moved row ${id} to ${idOf(next as Fields)} on event ${event.id}.`);
      rows.set(id, next);
      changed.add(id);
    }
  }
  const upserts: Row[] = [];
  const deletes: Array<Partial<Row>> = [];
  for (const id of changed) {
    const row = rows.get(id)!;
    if (row !== null) upserts.push(row);
    else if (stored.has(id)) deletes.push(stored.get(id)!);
  }
  return { upserts, deletes };
}

/**
 * Applies events (in stream order per key) to the projection inside the caller's transaction: one read of the
 * rows they touch, evolve in memory, one upsert and one delete. One event is a batch of one, so a consumer's
 * `handle` and `handleBatch` and a rebuild's pages all take this path.
 */
export async function applyEvents<Row>(projection: Projection<Row>, manager: EntityManager, events: ProjectedEvent[]): Promise<void> {
  const keys = new Map<string, Partial<Row>>();
  for (const event of events) {
    const key = keyOf(projection, event);
    if (key) keys.set(fingerprint(key as Fields), key);
  }
  if (keys.size === 0) return;
  const loaded = await projection.store.loadMany(manager, [...keys.values()]);
  const { upserts, deletes } = evolveRows(projection, loaded, events);
  if (upserts.length > 0) await projection.store.upsertMany(manager, upserts);
  if (deletes.length > 0) await projection.store.deleteMany(manager, deletes);
}

/**
 * The projection's lock, for the transaction: live deliveries take it shared (they run side by side), a rebuild
 * exclusive, so a rebuild never interleaves with a live delivery (docs/architecture.md §3.10).
 */
export async function lockProjection(manager: EntityManager, name: string, mode: 'shared' | 'exclusive'): Promise<void> {
  const lock = mode === 'shared' ? 'pg_advisory_xact_lock_shared' : 'pg_advisory_xact_lock';
  await manager.query(`SELECT ${lock}(hashtextextended($1, 0))`, [name]);
}

/** A live delivery of one or many events: the shared lock, then the events. */
export async function applyLive<Row>(projection: Projection<Row>, manager: EntityManager, events: ProjectedEvent[]): Promise<void> {
  if (events.length === 0) return;
  await lockProjection(manager, projection.name, 'shared');
  await applyEvents(projection, manager, events);
}
