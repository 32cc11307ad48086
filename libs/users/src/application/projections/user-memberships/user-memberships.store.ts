import type { EntityManager } from 'typeorm';
import { UserMembershipSchema } from '../../../infrastructure/persistence/user.schema';
import { evolveUserMembership, membershipScope, ProjectedEvent, UserMembership, UserMembershipsProjection } from './user-memberships.projection';

/**
 * Applies one event to users.user_memberships inside the caller's transaction: evolve every row the event
 * touches (a new one for MemberAdded), then an idempotent upsert that records the last applied event, or a
 * delete. Holds the projection's lock in shared mode, so a rebuild (exclusive) never interleaves.
 */
export async function applyToUserMemberships(manager: EntityManager, event: ProjectedEvent, mode: 'live' | 'rebuild'): Promise<void> {
  if (mode === 'live') await manager.query(`SELECT pg_advisory_xact_lock_shared(hashtextextended($1, 0))`, [UserMembershipsProjection.name]);
  const repository = manager.getRepository(UserMembershipSchema);
  const scope = membershipScope(event);
  const rows: Array<UserMembership | null> = await repository.find({ where: scope, lock: { mode: 'pessimistic_write' } });
  if (rows.length === 0 && 'userId' in scope) rows.push(null);
  for (const current of rows) {
    const next = evolveUserMembership(current, event);
    if (next === current) continue;
    if (next === null) await repository.delete({ userId: current!.userId, organizationId: current!.organizationId });
    else await repository.upsert(next, ['userId', 'organizationId']);
  }
}

export async function resetUserMemberships(manager: EntityManager): Promise<void> {
  await manager.query(`DELETE FROM user_memberships`);
}
