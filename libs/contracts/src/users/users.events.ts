import { MessageContracts, objectSchema, text, uuid } from '../json-schema';

/** Wire types of the users context's events (CloudEvents `type` and `data`). */
export const UsersEventTypes = {
  UserRegistered: 'users.UserRegistered',
  UserProfileUpdated: 'users.UserProfileUpdated',
  UserDeactivated: 'users.UserDeactivated',
} as const;

export interface UserRegisteredData {
  userId: string;
  email: string;
  username: string;
  firstName: string;
  lastName: string;
}

export interface UserProfileUpdatedData {
  userId: string;
  firstName: string;
  lastName: string;
}

export interface UserDeactivatedData {
  userId: string;
}

/** The data of each users event, by the name in UsersEventTypes. */
export interface UsersEventData {
  UserRegistered: UserRegisteredData;
  UserProfileUpdated: UserProfileUpdatedData;
  UserDeactivated: UserDeactivatedData;
}

const userId = uuid('The user’s id');
const personName = (which: string) => text(`${which} (1-100 characters, trimmed)`, { minLength: 1, maxLength: 100 });

/** Schemas of the users events, on `users-events` keyed by the user id (docs/contract.md §4). */
export const UsersEventMessages: MessageContracts<typeof UsersEventTypes, UsersEventData> = {
  UserRegistered: {
    summary: 'A user registered (POST /users).',
    partitionKey: 'userId',
    data: objectSchema<UserRegisteredData>({
      userId,
      email: text('The user’s email address (lower-cased), unique among users', { minLength: 1 }),
      username: { type: 'string', pattern: '^[a-z0-9][a-z0-9_.-]{2,31}$', description: 'Unique; 3-32 lower-case letters, digits, _ . - (not first)' },
      firstName: personName('First name'),
      lastName: personName('Last name'),
    }),
  },
  UserProfileUpdated: {
    summary: 'A user’s names changed (PATCH /users/:id); both names are given, changed or not.',
    partitionKey: 'userId',
    data: objectSchema<UserProfileUpdatedData>({ userId, firstName: personName('First name'), lastName: personName('Last name') }),
  },
  UserDeactivated: {
    summary: 'A user was deactivated (POST /users/:id/deactivate); once only.',
    partitionKey: 'userId',
    data: objectSchema<UserDeactivatedData>({ userId }),
  },
};
