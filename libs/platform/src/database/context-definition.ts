import type { EntitySchema, MigrationInterface } from 'typeorm';

/** The platform's own schema (its event log and the bus' tables), beside one schema per context. */
export const PLATFORM_SCHEMA = 'platform';

export type MigrationClass = new () => MigrationInterface;

/**
 * What a bounded context (or the platform) declares about its storage: the schema it owns, the
 * TypeORM entity schemas it maps, and its migrations, run in order by its own role at start.
 */
export interface ContextStorage {
  /** Context name: also the schema name and the CloudEvents `source` of its events. */
  name: string;
  entities: EntitySchema[];
  migrations: MigrationClass[];
  /** The context handles commands sent to it over `<name>-commands` (saga participants). */
  receivesCommands?: boolean;
}

/** The logical streams the app writes and reads: every context's events, and commands for those that take them. */
export function logicalStreams(storages: Array<Pick<ContextStorage, 'name' | 'receivesCommands'>>): string[] {
  return [
    ...storages.map((s) => `${s.name}-events`),
    ...storages.filter((s) => s.receivesCommands).map((s) => `${s.name}-commands`),
  ];
}
