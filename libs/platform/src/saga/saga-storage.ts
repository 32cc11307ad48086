import type { MigrationClass } from '../database/context-definition';
import { CreateSagaInstances1764300000000 } from './migrations/1764300000000-create-saga-instances';
import { AllowStuckSagas1764300000001 } from './migrations/1764300000001-allow-stuck-sagas';
import { IndexSagaInstancesForPaging1765300000100 } from './migrations/1765300000100-index-saga-instances-for-paging';

/** Add to the migrations of a context that runs sagas: its `saga_instances` table. */
export const sagaStoreMigrations: MigrationClass[] = [CreateSagaInstances1764300000000, AllowStuckSagas1764300000001, IndexSagaInstancesForPaging1765300000100];
