import { ContextStorage, contextStoreMigrations } from '@eda/platform';
import { CreateUsers1763900100000 } from './infrastructure/persistence/migrations/1763900100000-create-users';
import { UserMembershipSchema } from './infrastructure/persistence/read-models.schema';
import { UserSchema } from './infrastructure/persistence/user.schema';

export const usersStorage: ContextStorage = {
  name: 'users',
  entities: [UserSchema, UserMembershipSchema],
  migrations: [...contextStoreMigrations, CreateUsers1763900100000],
};
