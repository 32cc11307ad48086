import type { UserDeactivatedData, UserProfileUpdatedData, UserRegisteredData } from '@eda/contracts';
import { UsersEventTypes } from '@eda/contracts';
import { defineProjection, entityStore, ProjectedEvent } from '@eda/platform';
import { KnownUserRow, KnownUserSchema } from '../../../infrastructure/persistence/read-models.schema';

/** A row of organizations.known_users, as its table mapping declares it. */
export type KnownUser = KnownUserRow;

/** The user a users event is about. */
export function knownUserKey(event: ProjectedEvent): string {
  return (event.data as { userId: string }).userId;
}

/**
 * Pure: the row after `event`. An update about a user whose registration was never seen changes nothing
 * (it cannot happen on one ordered stream, and a rebuild replays the registration first).
 */
export function evolveKnownUser(row: KnownUser | null, event: ProjectedEvent): KnownUser | null {
  switch (event.type) {
    case UsersEventTypes.UserRegistered: {
      const data = event.data as UserRegisteredData;
      return { userId: data.userId, username: data.username, firstName: data.firstName, lastName: data.lastName, active: true, lastEventId: event.id };
    }
    case UsersEventTypes.UserProfileUpdated: {
      const data = event.data as UserProfileUpdatedData;
      return row && { ...row, firstName: data.firstName, lastName: data.lastName, lastEventId: event.id };
    }
    case UsersEventTypes.UserDeactivated: {
      const data = event.data as UserDeactivatedData;
      return row && data.userId === row.userId ? { ...row, active: false, lastEventId: event.id } : row;
    }
    default:
      return row;
  }
}

/** The organizations context's view of users (names, active), from users' events on `users-events`. */
export const KnownUsersProjection = defineProjection<KnownUser>({
  name: 'organizations.known-users',
  context: 'organizations',
  types: [UsersEventTypes.UserRegistered, UsersEventTypes.UserProfileUpdated, UsersEventTypes.UserDeactivated],
  key: (event) => ({ userId: knownUserKey(event) }),
  evolve: evolveKnownUser,
  store: entityStore(KnownUserSchema),
});
