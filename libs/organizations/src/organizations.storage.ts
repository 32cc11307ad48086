import { ContextStorage, contextStoreMigrations } from '@eda/platform';
import { CreateOrganizations1763900200000 } from './infrastructure/persistence/migrations/1763900200000-create-organizations';
import { CreditReservationSchema, OrganizationMemberSchema, OrganizationSchema } from './infrastructure/persistence/organization.schema';
import { KnownUserSchema } from './infrastructure/persistence/read-models.schema';

export const organizationsStorage: ContextStorage = {
  name: 'organizations',
  entities: [OrganizationSchema, OrganizationMemberSchema, CreditReservationSchema, KnownUserSchema],
  receivesCommands: true,
  migrations: [...contextStoreMigrations, CreateOrganizations1763900200000],
};
