import type { ContextStorage } from './database/context-definition';
import { contextStoreMigrations } from './event-log/context-store-migrations';

/**
 * The platform schema: its own event log (what external producers POST), and the tables of the bus
 * itself (producer keys, relay state, consumer leases, dead letters). Add a platform migration here.
 */
export const platformStorage: ContextStorage = {
  name: 'platform',
  entities: [],
  migrations: [...contextStoreMigrations],
};
