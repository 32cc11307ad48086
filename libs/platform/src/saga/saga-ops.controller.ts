import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiQuery, ApiTags } from '@nestjs/swagger';
import { Clock } from '../context/clock';
import { ValidationProblem } from '../http/problem-details.filter';
import { SAGA_STATUSES, SagaHistoryEntry, SagaStatus } from './saga-instance';
import { SagaRegistry } from './saga-registry';
import { SagaStore } from './saga-store';

export interface SagaInstanceView {
  id: string;
  sagaType: string;
  context: string;
  status: SagaStatus;
  step: string;
  state: unknown;
  version: number;
  deadline: string | null;
  history: SagaHistoryEntry[];
  createdAt: string;
  updatedAt: string;
}

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 500;

/** Operations route, served by every process whatever its roles (CONTRACT §2, §3 operations). */
@ApiTags('operations')
@Controller('ops/sagas')
export class SagaOpsController {
  constructor(private readonly registry: SagaRegistry, private readonly clock: Clock) {}

  @Get()
  @ApiQuery({ name: 'status', required: false, enum: SAGA_STATUSES })
  @ApiQuery({ name: 'olderThanSeconds', required: false, description: 'Only sagas started at least this long ago (stuck ones, with status=RUNNING)' })
  @ApiQuery({ name: 'limit', required: false, description: `1-${MAX_LIMIT}, default ${DEFAULT_LIMIT}` })
  @ApiOkResponse({ description: 'Saga instances, oldest first, with state, step, deadline and history' })
  async list(@Query('status') status?: string, @Query('olderThanSeconds') olderThan?: string, @Query('limit') limit?: string): Promise<SagaInstanceView[]> {
    const errors: Record<string, string[]> = {};
    if (status !== undefined && !(SAGA_STATUSES as readonly string[]).includes(status)) errors.status = [`status must be one of ${SAGA_STATUSES.join(', ')}`];
    if (olderThan !== undefined && !/^\d{1,9}$/.test(olderThan)) errors.olderThanSeconds = ['olderThanSeconds must be a non-negative integer'];
    if (limit !== undefined && (!/^\d{1,4}$/.test(limit) || Number(limit) < 1 || Number(limit) > MAX_LIMIT)) errors.limit = [`limit must be an integer from 1 to ${MAX_LIMIT}`];
    if (Object.keys(errors).length > 0) throw new ValidationProblem(errors);
    const filter = {
      status: status as SagaStatus | undefined,
      olderThanSeconds: olderThan === undefined ? undefined : Number(olderThan),
      limit: limit === undefined ? DEFAULT_LIMIT : Number(limit),
    };
    const views: SagaInstanceView[] = [];
    for (const uow of this.registry.unitsOfWork()) {
      for (const s of await new SagaStore(uow.dataSource.manager).list(filter, this.clock.now())) {
        views.push({
          id: s.id,
          sagaType: s.sagaType,
          context: uow.context,
          status: s.status,
          step: s.step,
          state: s.state,
          version: s.version,
          deadline: s.deadline?.toISOString() ?? null,
          history: s.history,
          createdAt: s.createdAt.toISOString(),
          updatedAt: s.updatedAt.toISOString(),
        });
      }
    }
    return views.sort((a, b) => a.createdAt.localeCompare(b.createdAt)).slice(0, filter.limit);
  }
}
