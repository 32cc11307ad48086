import { PLATFORM_SCHEMA, type ContextStorage } from './database/context-definition';
import { contextStoreMigrations } from './context-store-migrations';
import { CreateConsumerLeases1764100000000 } from './consumer/migrations/1764100000000-create-consumer-leases';
import { CreateDeadLetters1764100000001 } from './consumer/migrations/1764100000001-create-dead-letters';
import { CreateConsumerStreams1764100000002 } from './consumer/migrations/1764100000002-create-consumer-streams';
import { IndexParkedDeadLettersForPaging1765300000200 } from './consumer/migrations/1765300000200-index-parked-dead-letters-for-paging';
import { CreateProducerKeys1764000000500 } from './ingress/migrations/1764000000500-create-producer-keys';
import { AddProducerKeyScopes1764800000800 } from './ingress/migrations/1764800000800-add-producer-key-scopes';
import { NotifyProducerKeyChanges1765100000000 } from './ingress/migrations/1765100000000-notify-producer-key-changes';
import { CreateRelayState1763900000100 } from './relay/migrations/1763900000100-create-relay-state';
import { CreateRelayParked1764200000900 } from './relay/migrations/1764200000900-create-relay-parked';

/**
 * The platform schema: its own event log (what external producers POST), and the tables of the bus
 * itself (producer keys, relay state, consumer leases, dead letters). Add a platform migration here.
 */
export const platformStorage: ContextStorage = {
  name: PLATFORM_SCHEMA,
  entities: [],
  migrations: [
    ...contextStoreMigrations,
    CreateConsumerLeases1764100000000,
    CreateDeadLetters1764100000001,
    CreateConsumerStreams1764100000002,
    IndexParkedDeadLettersForPaging1765300000200,
    CreateProducerKeys1764000000500,
    AddProducerKeyScopes1764800000800,
    NotifyProducerKeyChanges1765100000000,
    CreateRelayState1763900000100,
    CreateRelayParked1764200000900,
  ],
};
