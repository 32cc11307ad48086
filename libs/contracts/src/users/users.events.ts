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
