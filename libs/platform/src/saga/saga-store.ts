import type { EntityManager } from 'typeorm';
import type { SqlStatement } from '../sql/sql-statement';
import type { SagaChange, SagaHistoryEntry, SagaInstance, SagaStatus } from './saga-instance';
import { isUuid } from '../ddd/uuid';
import { updateVersionedRows } from '../database/versioned-rows';

interface SagaRow {
  id: string;
  saga_type: string;
  status: SagaStatus;
  step: string;
  state: unknown;
  version: number;
  deadline: Date | null;
  history: SagaHistoryEntry[];
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = 'id, saga_type, status, step, state, version, deadline, history, created_at, updated_at';

function toInstance<S>(row: SagaRow): SagaInstance<S> {
  return {
    id: row.id,
    sagaType: row.saga_type,
    status: row.status,
    step: row.step,
    state: row.state as S,
    version: row.version,
    deadline: row.deadline,
    history: row.history,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** The saga as `advance` leaves its row: the change, the version one up, a new step appended to the history. */
function advanced<S>(instance: SagaInstance<S>, change: SagaChange<S>, now: Date): SagaInstance<S> {
  const entry: SagaHistoryEntry[] = change.step === instance.step ? [] : [{ step: change.step, at: now.toISOString() }];
  const { status, step, state, deadline } = change;
  return { ...instance, status, step, state, deadline, version: instance.version + 1, history: [...instance.history, ...entry], updatedAt: now };
}

/** A saga to write (SagaStore.advanceMany): as it was read, and as one or more decisions advanced it since. */
export interface SagaAdvance<S = unknown> {
  from: SagaInstance<S>;
  to: SagaInstance<S>;
}

export interface SagaListFilter {
  status?: SagaStatus;
  /** Only sagas started at least this many seconds before `now`. */
  olderThanSeconds?: number;
  /** Only stuck sagas: past their deadline, or one of `parkedIds` (a reply to them is parked). */
  stuck?: boolean;
  /** Saga ids that have a participant's reply parked in the dead letters (see `stuck`). */
  parkedIds?: string[];
  /** Keyset: only sagas after this (created_at, id). */
  after?: { createdAt: Date; id: string };
  limit: number;
}

/**
 * The page query of GET /ops/sagas, apart so its plan can be checked (saga-store-paging.int.spec.ts). Parameters
 * are sent with it (an unnamed statement, planned for their values), so an absent filter folds away and the
 * query is a range of `saga_instances_created_idx` or, with a status, `saga_instances_status_created_idx`,
 * stopped by LIMIT; `stuck` reads the deadline index and the parked ids instead.
 */
export function sagaListQuery(filter: SagaListFilter, now: Date): { sql: string; params: unknown[] } {
  return {
    sql: `SELECT ${COLUMNS} FROM saga_instances
           WHERE ($1::text IS NULL OR status = $1)
             AND ($2::timestamptz IS NULL OR created_at <= $2)
             AND ($4::timestamptz IS NULL OR (created_at, id) > ($4, $5::uuid))
             AND (NOT $6::boolean OR (deadline IS NOT NULL AND deadline <= $7) OR id = ANY($8::uuid[]))
           ORDER BY created_at, id
           LIMIT $3`,
    params: [
      filter.status ?? null,
      filter.olderThanSeconds === undefined ? null : new Date(now.getTime() - filter.olderThanSeconds * 1000),
      filter.limit,
      filter.after?.createdAt ?? null,
      filter.after?.id ?? null,
      filter.stuck === true,
      now,
      filter.parkedIds ?? [],
    ],
  };
}

/** The `saga_instances` table of one context, inside the caller's transaction (the context's own role). */
export class SagaStore {
  constructor(private readonly manager: EntityManager) {}

  async start<S>(input: { id: string; sagaType: string } & SagaChange<S>, now: Date): Promise<SagaInstance<S>> {
    const { sql, params } = SagaStore.starting(input, now);
    const rows: SagaRow[] = await this.manager.query(`${sql} RETURNING ${COLUMNS}`, params as unknown[]);
    return toInstance<S>(rows[0]);
  }

  /** The INSERT that starts a saga, for a unit of work to send with its events (TransactionScope.insertWithEvents). */
  static starting<S>(input: { id: string; sagaType: string } & SagaChange<S>, now: Date): SqlStatement {
    const history: SagaHistoryEntry[] = [{ step: input.step, at: now.toISOString() }];
    return {
      sql: `INSERT INTO saga_instances (id, saga_type, status, step, state, version, deadline, history, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5::jsonb, 1, $6, $7::jsonb, $8, $8)`,
      params: [input.id, input.sagaType, input.status, input.step, JSON.stringify(input.state), input.deadline, JSON.stringify(history), now],
    };
  }

  async find<S>(id: string): Promise<SagaInstance<S> | null> {
    const rows: SagaRow[] = await this.manager.query(`SELECT ${COLUMNS} FROM saga_instances WHERE id = $1`, [id]);
    return rows.length === 0 ? null : toInstance<S>(rows[0]);
  }

  /**
   * Reads one saga and locks its row until the caller's transaction ends: inputs of one saga that arrive at
   * the same moment (two participants answering in parallel) then wait for each other and decide on the state
   * the other left, instead of both deciding on the same version and one failing in `advance`.
   */
  async findForUpdate<S>(id: string): Promise<SagaInstance<S> | null> {
    const rows: SagaRow[] = await this.manager.query(`SELECT ${COLUMNS} FROM saga_instances WHERE id = $1 FOR UPDATE`, [id]);
    return rows.length === 0 ? null : toInstance<S>(rows[0]);
  }

  /** Many sagas read and locked at once, in id order (the order every batch takes them in, so two never deadlock). */
  async findManyForUpdate<S>(ids: string[]): Promise<LockedSagas<S>> {
    // Saga ids are uuids: another id names no saga (the input's own path reports it).
    const wanted = [...new Set(ids.filter((id) => isUuid(id)))].sort();
    const rows: SagaRow[] = wanted.length === 0 ? [] : await this.manager.query(`SELECT ${COLUMNS} FROM saga_instances WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`, [wanted]);
    return new LockedSagas<S>(rows.map((row) => toInstance<S>(row)));
  }

  /**
   * Writes a decision, conditional on the version that was read: a concurrent change makes it throw
   * ConcurrencyConflictError (the caller's transaction rolls back and the input is applied again).
   * A new step is appended to the history.
   */
  async advance<S>(instance: SagaInstance<S>, change: SagaChange<S>, now: Date): Promise<SagaInstance<S>> {
    const to = advanced(instance, change, now);
    await this.advanceMany([{ from: instance, to }]);
    return to;
  }

  /**
   * Writes many sagas' decisions in one statement, each what `advance` would have written (one or more of them in
   * turn: `to` as LockedSagas.advance left it), conditional on the version of `from`. When one saga's version has
   * moved it throws ConcurrencyConflictError, and the caller's transaction must roll back (the rows whose version
   * matched were written in it).
   */
  async advanceMany<S>(advances: SagaAdvance<S>[]): Promise<void> {
    const types = new Set(advances.map((a) => a.from.sagaType));
    await updateVersionedRows(this.manager, {
      entity: types.size === 1 ? `Saga ${[...types][0]}` : 'Saga',
      table: 'saga_instances',
      key: { column: 'id', type: 'uuid' },
      // The whole history: the row is as `from` was read (its version says so), so this is `from`'s history with
      // the steps entered since appended, as each advance would have appended them.
      columns: { status: 'text', step: 'text', state: 'jsonb', deadline: 'timestamptz', history: 'jsonb', updated_at: 'timestamptz' },
      rows: advances.map(({ from, to }) => ({
        key: from.id,
        version: from.version,
        nextVersion: to.version,
        values: { status: to.status, step: to.step, state: to.state, deadline: to.deadline, history: to.history, updated_at: to.updatedAt },
      })),
    });
  }

  /**
   * Locks the next saga of `sagaType` whose deadline has passed, skipping rows another scheduler (or a
   * reply being applied) holds, so several processes share the work and none waits.
   */
  async claimDue<S>(sagaType: string, now: Date, excluding: string[]): Promise<SagaInstance<S> | null> {
    const rows: SagaRow[] = await this.manager.query(
      `SELECT ${COLUMNS} FROM saga_instances
        WHERE saga_type = $1 AND deadline IS NOT NULL AND deadline <= $2 AND NOT (id = ANY($3::uuid[]))
        ORDER BY deadline
        LIMIT 1
        FOR UPDATE SKIP LOCKED`,
      [sagaType, now, excluding],
    );
    return rows.length === 0 ? null : toInstance<S>(rows[0]);
  }

  /** Oldest first, by (created_at, id): one index range per page whatever the filter (see sagaListQuery). */
  async list(filter: SagaListFilter, now: Date): Promise<SagaInstance[]> {
    const { sql, params } = sagaListQuery(filter, now);
    const rows: SagaRow[] = await this.manager.query(sql, params);
    return rows.map((r) => toInstance(r));
  }

  /** Locks one saga for an operator's action (waits for a reply being applied to it). */
  async lock<S>(id: string): Promise<SagaInstance<S> | null> {
    const rows: SagaRow[] = await this.manager.query(`SELECT ${COLUMNS} FROM saga_instances WHERE id = $1 FOR UPDATE`, [id]);
    return rows.length === 0 ? null : toInstance<S>(rows[0]);
  }

  /** Sagas past their deadline now (the scheduler is late or failing on them) plus those of `parkedIds`. */
  async countStuck(now: Date, parkedIds: string[]): Promise<number> {
    const rows: Array<{ n: number }> = await this.manager.query(
      `SELECT count(*)::int AS n FROM saga_instances WHERE (deadline IS NOT NULL AND deadline <= $1) OR id = ANY($2::uuid[])`,
      [now, parkedIds],
    );
    return rows[0].n;
  }

  async countByStatus(): Promise<Map<SagaStatus, number>> {
    const rows: Array<{ status: SagaStatus; n: number }> = await this.manager.query(
      `SELECT status, count(*)::int AS n FROM saga_instances GROUP BY status`,
    );
    return new Map(rows.map((r) => [r.status, r.n]));
  }
}

/**
 * Sagas a transaction holds locked (read in one statement, see findManyForUpdate), advanced in memory as the
 * transaction decides (a second input of one saga decides on what the first left) and written at once
 * (SagaStore.advanceMany with `takeAdvances`), each conditional on the version it was read at.
 */
export class LockedSagas<S = unknown> {
  /** As last read or written: what a write is conditional on. */
  private readonly stored: Map<string, SagaInstance<S>>;
  private readonly current: Map<string, SagaInstance<S>>;

  constructor(instances: SagaInstance<S>[]) {
    this.stored = new Map(instances.map((i) => [i.id, i]));
    this.current = new Map(this.stored);
  }

  ids(): string[] {
    return [...this.current.keys()];
  }

  get(id: string): SagaInstance<S> | undefined {
    return this.current.get(id);
  }

  /** Advances a held saga in memory as `SagaStore.advance` would on its row (version, history, time). */
  advance(id: string, change: SagaChange<S>, now: Date): SagaInstance<S> {
    const instance = this.current.get(id);
    if (!instance) throw new Error(`saga ${id} is not held by this transaction`);
    const to = advanced(instance, change, now);
    this.current.set(id, to);
    return to;
  }

  /** The sagas advanced since they were read or last taken, to write with SagaStore.advanceMany; then held as written. */
  takeAdvances(): SagaAdvance<S>[] {
    const advances: SagaAdvance<S>[] = [];
    for (const [id, to] of this.current) {
      const from = this.stored.get(id)!;
      if (to === from) continue;
      advances.push({ from, to });
      this.stored.set(id, to);
    }
    return advances;
  }
}
