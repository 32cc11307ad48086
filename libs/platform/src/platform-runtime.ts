import type { AppConfig } from './config/app-config';
import type { ContextStorage } from './database/context-definition';
import type { DatabaseTopology } from './database/database-topology';
import type { KinesisConnection } from './kinesis/kinesis-connection';

/** What start-up resolved before Nest boots: config, where the database and Kinesis are, and which schemas exist. */
export class PlatformRuntime {
  constructor(
    readonly config: AppConfig,
    readonly topology: DatabaseTopology,
    readonly kinesis: KinesisConnection,
    readonly storages: ContextStorage[],
    readonly databaseDescription: string,
    /** The operations token (OPS_TOKEN, or the one start-up keeps under DATA_DIR); none keeps /ops/* closed. */
    readonly opsToken?: string,
  ) {}
}
