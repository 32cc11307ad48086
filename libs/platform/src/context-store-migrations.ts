import type { MigrationClass } from './database/context-definition';
import { CreateEventLog1763900000000 } from './event-log/migrations/1763900000000-create-event-log';
import { CreateInbox1763900000001 } from './event-log/migrations/1763900000001-create-inbox';
import { IndexEventLogById1763900000020 } from './event-log/migrations/1763900000020-index-event-log-by-id';
import { LimitEventLogToPublishableSize1763900000030 } from './event-log/migrations/1763900000030-limit-event-log-to-publishable-size';
import { IndexEventLogFiltersByTransaction1763900000040 } from './event-log/migrations/1763900000040-index-event-log-filters-by-transaction';
import { CreateConsumerPositions1763900000010 } from './consumer/migrations/1763900000010-create-consumer-positions';
import { NotifyRelayOnCommit1763900000050 } from './relay/migrations/1763900000050-notify-relay-on-commit';
import { IndexEventLogByCorrelation1764900000900 } from './event-log/migrations/1764900000900-index-event-log-by-correlation';
import { CheckInsertOnlyWithoutStamps1765200000000 } from './event-log/migrations/1765200000000-check-insert-only-without-stamps';
import { TrackUnpublishedRows1765300000000 } from './relay/migrations/1765300000000-track-unpublished-rows';

/**
 * The platform-owned tables every context schema carries (event log, inbox, consumer positions), run
 * before the context's own migrations. Timestamps in their names keep them ordered among the context's.
 */
export const contextStoreMigrations: MigrationClass[] = [
  CreateEventLog1763900000000,
  CreateInbox1763900000001,
  CreateConsumerPositions1763900000010,
  IndexEventLogById1763900000020,
  LimitEventLogToPublishableSize1763900000030,
  IndexEventLogFiltersByTransaction1763900000040,
  NotifyRelayOnCommit1763900000050,
  IndexEventLogByCorrelation1764900000900,
  CheckInsertOnlyWithoutStamps1765200000000,
  TrackUnpublishedRows1765300000000,
];
