import { EntitySchema } from 'typeorm';

/** The organizations context's read models (its projections write them; the organization repository reads them). */

/** The organizations context's view of users (organizations.known_users). */
export interface KnownUserRow {
  userId: string;
  username: string;
  firstName: string;
  lastName: string;
  active: boolean;
  lastEventId: string;
}

export const KnownUserSchema = new EntitySchema<KnownUserRow>({
  name: 'KnownUser',
  tableName: 'known_users',
  columns: {
    userId: { type: 'uuid', primary: true, name: 'user_id' },
    username: { type: 'text' },
    firstName: { type: 'text', name: 'first_name' },
    lastName: { type: 'text', name: 'last_name' },
    active: { type: 'boolean' },
    lastEventId: { type: 'text', name: 'last_event_id' },
  },
});
