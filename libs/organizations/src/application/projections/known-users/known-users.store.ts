import { EntityManager, In } from 'typeorm';
import { KnownUserSchema } from '../../../infrastructure/persistence/organization.schema';
import { evolveKnownUser, KnownUser, knownUserKey, KnownUsersProjection, ProjectedEvent } from './known-users.projection';

/**
 * Applies one event to organizations.known_users inside the caller's transaction: evolve + idempotent
 * upsert recording the last applied event. Holds the projection's lock in shared mode, so a rebuild
 * (exclusive) never interleaves with a live delivery.
 */
export async function applyToKnownUsers(manager: EntityManager, event: ProjectedEvent, mode: 'live' | 'rebuild'): Promise<void> {
  if (mode === 'live') await manager.query(`SELECT pg_advisory_xact_lock_shared(hashtextextended($1, 0))`, [KnownUsersProjection.name]);
  const repository = manager.getRepository(KnownUserSchema);
  const current: KnownUser | null = await repository.findOneBy({ userId: knownUserKey(event) });
  const next = evolveKnownUser(current, event);
  if (next === current) return;
  if (next === null) await repository.delete({ userId: knownUserKey(event) });
  else await repository.upsert(next, ['userId']);
}

/**
 * Applies many events (in stream order per user) at once, as `applyToKnownUsers` one by one would: one read of
 * the rows they touch, evolve in memory, one upsert and one delete. The live consumer's batches use it.
 */
export async function applyManyToKnownUsers(manager: EntityManager, events: ProjectedEvent[]): Promise<void> {
  if (events.length === 0) return;
  await manager.query(`SELECT pg_advisory_xact_lock_shared(hashtextextended($1, 0))`, [KnownUsersProjection.name]);
  const repository = manager.getRepository(KnownUserSchema);
  const keys = [...new Set(events.map(knownUserKey))];
  const rows = new Map<string, KnownUser | null>(keys.map((k) => [k, null]));
  for (const row of await repository.findBy({ userId: In(keys) })) rows.set(row.userId, row);
  const changed = new Set<string>();
  for (const event of events) {
    const key = knownUserKey(event);
    const current = rows.get(key) ?? null;
    const next = evolveKnownUser(current, event);
    if (next === current) continue;
    rows.set(key, next);
    changed.add(key);
  }
  const upserts = [...changed].map((k) => rows.get(k)).filter((r): r is KnownUser => r !== null && r !== undefined);
  const deletes = [...changed].filter((k) => rows.get(k) === null);
  if (upserts.length > 0) await repository.upsert(upserts, ['userId']);
  if (deletes.length > 0) await repository.delete({ userId: In(deletes) });
}

export async function resetKnownUsers(manager: EntityManager): Promise<void> {
  await manager.query(`DELETE FROM known_users`);
}
