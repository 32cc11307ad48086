import { EntitySchema } from 'typeorm';

/** The users context's read models (its projections write them; the get-user query reads them). */

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
