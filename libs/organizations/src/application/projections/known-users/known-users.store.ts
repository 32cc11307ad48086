import type { EntityManager } from 'typeorm';
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

export async function resetKnownUsers(manager: EntityManager): Promise<void> {
  await manager.query(`DELETE FROM known_users`);
}
