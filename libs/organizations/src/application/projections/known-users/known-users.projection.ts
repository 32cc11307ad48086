import type { UserDeactivatedData, UserProfileUpdatedData, UserRegisteredData } from '@eda/contracts';
import { UsersEventTypes } from '@eda/contracts';

/** A row of the organizations context's view of users (organizations.known_users). */
export interface KnownUser {
  userId: string;
  username: string;
  firstName: string;
  lastName: string;
  active: boolean;
  lastEventId: string;
}

export interface ProjectedEvent {
  id: string;
  type: string;
  data: unknown;
}

export const KnownUsersProjection = {
  /** Also the handler name: the inbox keeps the applied event ids under it. */
  name: 'organizations.known-users',
  source: 'users',
  types: [UsersEventTypes.UserRegistered, UsersEventTypes.UserProfileUpdated, UsersEventTypes.UserDeactivated] as string[],
};

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
