import { EntitySchema } from 'typeorm';
import type { UserState } from '../../domain/user.aggregate';

/** A users row holds exactly the aggregate's state. */
export type UserRow = UserState;

export const UserSchema = new EntitySchema<UserRow>({
  name: 'User',
  tableName: 'users',
  columns: {
    id: { type: 'uuid', primary: true },
    email: { type: 'text' },
    username: { type: 'text' },
    firstName: { type: 'text', name: 'first_name' },
    lastName: { type: 'text', name: 'last_name' },
    status: { type: 'text' },
    version: { type: 'integer' },
    createdAt: { type: 'timestamptz', name: 'created_at' },
    updatedAt: { type: 'timestamptz', name: 'updated_at' },
  },
});

/** One organization a user belongs to. */
export interface UserMembershipRow {
  userId: string;
  organizationId: string;
  organizationName: string;
  role: string;
  lastEventId: string;
}

export const UserMembershipSchema = new EntitySchema<UserMembershipRow>({
  name: 'UserMembership',
  tableName: 'user_memberships',
  columns: {
    userId: { type: 'uuid', primary: true, name: 'user_id' },
    organizationId: { type: 'uuid', primary: true, name: 'organization_id' },
    organizationName: { type: 'text', name: 'organization_name' },
    role: { type: 'text' },
    lastEventId: { type: 'text', name: 'last_event_id' },
  },
});
