import type { UserProfileUpdatedData, UserRegisteredData } from '@eda/contracts';
import { UsersEventTypes } from '@eda/contracts';
import { defineProjection, entityStore, ProjectedEvent } from '@eda/platform';
import { UserNameRow, UserNameSchema } from '../../../infrastructure/persistence/read-models.schema';

/** A row of orders.user_names, as its table mapping declares it. */
export type UserName = UserNameRow;

/** Pure: the name after `event` (both events carry the whole name, so either one creates the row). */
export function evolveUserName(row: UserName | null, event: ProjectedEvent): UserName | null {
  switch (event.type) {
    case UsersEventTypes.UserRegistered:
    case UsersEventTypes.UserProfileUpdated: {
      const data = event.data as UserRegisteredData | UserProfileUpdatedData;
      return { userId: data.userId, name: `${data.firstName} ${data.lastName}`, lastEventId: event.id };
    }
    default:
      return row;
  }
}

/** orders.user_names (userName in GET /orders), from users' events. */
export const UserNamesProjection = defineProjection<UserName>({
  name: 'orders.user-names',
  context: 'orders',
  types: [UsersEventTypes.UserRegistered, UsersEventTypes.UserProfileUpdated],
  key: (event) => ({ userId: (event.data as { userId?: string }).userId }),
  evolve: evolveUserName,
  store: entityStore(UserNameSchema),
});
