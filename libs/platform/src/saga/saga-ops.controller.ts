import { Controller, Get, HttpCode, Logger, Param, Post, Query, Req, Res } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { ApiNotFoundResponse, ApiOkResponse, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { Clock } from '../context/clock';
import type { UnitOfWork } from '../database/unit-of-work';
import { DomainError } from '../ddd/domain-error';
import type { CloudEvent } from '../event-log/cloud-event';
import { EventLogQuery } from '../event-log/event-log-query';
import { OpsAccess } from '../http/ops-access';
import { ValidationProblem } from '../http/problem-details.filter';
import { isWaitingStatus, SAGA_STATUSES, SagaHistoryEntry, SagaInstance, SagaStatus } from './saga-instance';
import { SagaRegistry } from './saga-registry';
import { SagaStore } from './saga-store';
import { isUuid, UUID_PATTERN } from '../ddd/uuid';

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
  /** Why the saga needs an operator, empty when it does not: `deadline-passed`, `reply-parked`. */
  stuck: string[];
}

export interface SagaDetailView extends SagaInstanceView {
  legs: Array<{ name: string; status: string }>;
  /** The saga's events and commands in the order they were recorded (GET /ops/sagas/:id). */
  messages: Array<{ recordedAt: string; log: string; id: string; type: string; source: string; subject: string | null; partitionKey: string; correlationId: string; causationId: string; traceId: string | null; traceUrl: string | null; data: unknown }>;
  /** Parked dead letters keyed by this saga: the participant replies it is missing. */
  parkedReplies: Array<{ id: string; handler: string; type: string | null; error: string; attempts: number }>;
}

export class SagaNotFoundError extends DomainError {
  constructor(id: string) {
    super('SAGA.NOT_FOUND', `No saga with id ${id}.`);
  }
}

export class SagaNotWaitingError extends DomainError {
  constructor(id: string, status: string) {
    super('SAGA.INVALID_STATE', `Saga ${id} is ${status} and waits for no deadline.`);
  }
}

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 500;
const MAX_MESSAGES = 500;
const LIST_PARAMS = new Set(['status', 'olderThanSeconds', 'stuck', 'limit', 'cursor']);
const TRACEPARENT = /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/;

/** Keyset of the merged list: the last row's (created_at, id), opaque to clients. */
function encodeCursor(view: SagaInstanceView): string {
  return Buffer.from(JSON.stringify([view.createdAt, view.id])).toString('base64url');
}

function decodeCursor(text: string): { createdAt: Date; id: string } | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (!Array.isArray(value) || value.length !== 2) return undefined;
    const [createdAt, id] = value;
    if (typeof createdAt !== 'string' || !isUuid(id)) return undefined;
    const at = new Date(createdAt);
    return Number.isNaN(at.getTime()) ? undefined : { createdAt: at, id };
  } catch {
    return undefined;
  }
}

/**
 * Operations routes of the saga runtime, served by every process whatever its roles (docs/contract.md §2, §3
 * operations) and behind the operations console (ADR 0013). Sagas live in their contexts' schemas; a
 * participant's reply that a handler could not apply is parked in platform.dead_letters under the saga's
 * key, which is why those are read too.
 */
@ApiTags('operations')
@Controller('ops/sagas')
export class SagaOpsController {
  private readonly logger = new Logger('Operations');

  constructor(
    private readonly registry: SagaRegistry,
    private readonly clock: Clock,
    private readonly events: EventLogQuery,
    private readonly access: OpsAccess,
    private readonly config: AppConfig,
    @InjectDataSource('platform') private readonly platform: DataSource,
  ) {}

  @Get()
  @ApiQuery({ name: 'status', required: false, enum: SAGA_STATUSES })
  @ApiQuery({ name: 'olderThanSeconds', required: false, description: 'Only sagas started at least this long ago (stuck ones, with status=RUNNING)' })
  @ApiQuery({ name: 'stuck', required: false, description: '`true`: only sagas past their deadline or with a participant\'s reply parked' })
  @ApiQuery({ name: 'limit', required: false, description: `1-${MAX_LIMIT}, default ${DEFAULT_LIMIT}` })
  @ApiQuery({ name: 'cursor', required: false, description: 'The `X-Next-Cursor` header of the previous page' })
  @ApiOkResponse({ description: 'Saga instances, oldest first, with state, step, deadline and history; `X-Next-Cursor` when there are more' })
  async list(@Query() query: Record<string, unknown>, @Res({ passthrough: true }) reply: FastifyReply): Promise<SagaInstanceView[]> {
    const errors: Record<string, string[]> = {};
    for (const name of Object.keys(query)) if (!LIST_PARAMS.has(name)) errors[name] = [`unknown filter; known: ${[...LIST_PARAMS].join(', ')}`];
    const text = (name: string): string | undefined => {
      const value = query[name];
      if (value === undefined || typeof value === 'string') return value;
      errors[name] = [`${name} must be given once`];
      return undefined;
    };
    const status = text('status');
    const olderThan = text('olderThanSeconds');
    const stuck = text('stuck');
    const limit = text('limit');
    const cursorText = text('cursor');
    if (status !== undefined && !(SAGA_STATUSES as readonly string[]).includes(status)) errors.status = [`status must be one of ${SAGA_STATUSES.join(', ')}`];
    if (olderThan !== undefined && !/^\d{1,9}$/.test(olderThan)) errors.olderThanSeconds = ['olderThanSeconds must be a non-negative integer'];
    if (stuck !== undefined && stuck !== 'true' && stuck !== 'false') errors.stuck = ['stuck must be true or false'];
    if (limit !== undefined && (!/^\d{1,4}$/.test(limit) || Number(limit) < 1 || Number(limit) > MAX_LIMIT)) errors.limit = [`limit must be an integer from 1 to ${MAX_LIMIT}`];
    const after = cursorText === undefined ? undefined : decodeCursor(cursorText);
    if (cursorText !== undefined && !after) errors.cursor = ['cursor must be an X-Next-Cursor this API returned'];
    if (Object.keys(errors).length > 0) throw new ValidationProblem(errors);

    const now = this.clock.now();
    const parked = await this.parkedSagaIds();
    const filter = {
      status: status as SagaStatus | undefined,
      olderThanSeconds: olderThan === undefined ? undefined : Number(olderThan),
      stuck: stuck === 'true',
      parkedIds: [...parked],
      after,
      limit: limit === undefined ? DEFAULT_LIMIT : Number(limit),
    };
    const views: SagaInstanceView[] = [];
    for (const uow of this.registry.unitsOfWork()) {
      // One more than asked, so a next page is known without another query.
      for (const s of await new SagaStore(uow.dataSource.manager).list({ ...filter, limit: filter.limit + 1 }, now)) {
        views.push(this.view(s, uow.context, now, parked));
      }
    }
    const sorted = views.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
    const page = sorted.slice(0, filter.limit);
    if (sorted.length > filter.limit) reply.header('x-next-cursor', encodeCursor(page[page.length - 1]));
    return page;
  }

  /** The console's summary: the statuses the runtime knows (from the code), how many sagas are in each, how many are stuck. */
  @Get('counts')
  @ApiOkResponse({ description: '`{statuses, byStatus, stuck}`' })
  async counts(): Promise<{ statuses: readonly string[]; byStatus: Record<string, number>; stuck: number }> {
    const now = this.clock.now();
    const parked = [...(await this.parkedSagaIds())];
    const byStatus: Record<string, number> = Object.fromEntries(SAGA_STATUSES.map((s) => [s, 0]));
    let stuck = 0;
    for (const uow of this.registry.unitsOfWork()) {
      const store = new SagaStore(uow.dataSource.manager);
      for (const [status, n] of await store.countByStatus()) byStatus[status] = (byStatus[status] ?? 0) + n;
      stuck += await store.countStuck(now, parked);
    }
    return { statuses: SAGA_STATUSES, byStatus, stuck };
  }

  @Get(':id')
  @ApiOkResponse({ description: 'The saga with its legs, history, parked replies, and the events and commands of its correlation id in order' })
  @ApiNotFoundResponse({ description: 'No such saga' })
  async detail(@Param('id') id: string, @Req() request: FastifyRequest): Promise<SagaDetailView> {
    const { instance, uow } = await this.find(id);
    this.audit(request, 'saga viewed', id);
    const now = this.clock.now();
    const parkedReplies = await this.parkedReplies(id);
    const view = this.view(instance, uow.context, now, new Set(parkedReplies.length > 0 ? [id] : []));
    const definition = this.registry.all().find((d) => d.sagaType === instance.sagaType);
    const messages = (await this.events.byCorrelationOf(id, MAX_MESSAGES)).map(({ schema, recordedAt, event }) => messageView(schema, recordedAt, event, this.config.CONSOLE_TRACE_URL));
    return { ...view, legs: definition?.legs?.(instance.state) ?? [], messages, parkedReplies };
  }

  /**
   * Fires the saga's deadline now, as the scheduler would once it passes: a saga stuck waiting for a reply
   * takes its timeout input and compensates. Only for a saga that waits (RUNNING or COMPENSATING).
   */
  @Post(':id/expire')
  @HttpCode(200)
  @ApiOkResponse({ description: 'The deadline fired; the saga as it is now' })
  @ApiNotFoundResponse({ description: 'No such saga' })
  async expire(@Param('id') id: string, @Req() request: FastifyRequest): Promise<SagaInstanceView> {
    const { uow } = await this.find(id);
    const updated = await uow.run(async (tx) => {
      const store = new SagaStore(tx.manager);
      const instance = await store.lock(id);
      if (!instance) throw new SagaNotFoundError(id);
      if (!isWaitingStatus(instance.status) || instance.deadline === null) throw new SagaNotWaitingError(id, instance.status);
      const definition = this.registry.all().find((d) => d.sagaType === instance.sagaType);
      if (!definition) throw new SagaNotWaitingError(id, `of an unknown type (${instance.sagaType})`);
      await definition.onDeadline(instance, tx);
      return (await store.find(id))!;
    });
    this.audit(request, 'saga deadline fired by an operator', id, { step: updated.step, status: updated.status });
    return this.view(updated, uow.context, this.clock.now(), new Set());
  }

  private async find(id: string): Promise<{ instance: SagaInstance; uow: UnitOfWork }> {
    if (!isUuid(id)) throw new ValidationProblem({ id: ['id must be a saga id (a UUID)'] });
    for (const uow of this.registry.unitsOfWork()) {
      const instance = await new SagaStore(uow.dataSource.manager).find(id);
      if (instance) return { instance, uow };
    }
    throw new SagaNotFoundError(id);
  }

  /** Who (the token's fingerprint, never the token) did what to which saga, when: the log is the audit trail. */
  private audit(request: FastifyRequest, action: string, sagaId: string, extra: Record<string, unknown> = {}): void {
    this.logger.log({ action, sagaId, ...extra, token: this.access.fingerprint, ip: request.ip, at: this.clock.now().toISOString() }, action);
  }

  private view(s: SagaInstance, context: string, now: Date, parked: Set<string>): SagaInstanceView {
    const stuck: string[] = [];
    if (s.deadline && s.deadline.getTime() <= now.getTime()) stuck.push('deadline-passed');
    if (parked.has(s.id)) stuck.push('reply-parked');
    return {
      id: s.id,
      sagaType: s.sagaType,
      context,
      status: s.status,
      step: s.step,
      state: s.state,
      version: s.version,
      deadline: s.deadline?.toISOString() ?? null,
      history: s.history,
      createdAt: s.createdAt.toISOString(),
      updatedAt: s.updatedAt.toISOString(),
      stuck,
    };
  }

  /** Keys of parked dead letters that are saga ids (commands and replies are keyed by their saga). */
  private async parkedSagaIds(): Promise<Set<string>> {
    const rows: Array<{ partition_key: string }> = await this.platform.query(
      `SELECT DISTINCT partition_key FROM platform.dead_letters
        WHERE status = 'parked' AND partition_key ~* $1`,
      [UUID_PATTERN],
    );
    return new Set(rows.map((r) => r.partition_key.toLowerCase()));
  }

  private async parkedReplies(id: string): Promise<SagaDetailView['parkedReplies']> {
    const rows: Array<{ id: string; handler: string; type: string | null; error: string; attempts: number }> = await this.platform.query(
      `SELECT d.id::text AS id, handler, type, error, attempts FROM platform.dead_letters d
        WHERE status = 'parked' AND partition_key = $1 ORDER BY d.id LIMIT 50`,
      [id],
    );
    return rows;
  }
}

/** `traceUrl`: CONSOLE_TRACE_URL with the trace id in it (hex only, so the URL stays the operator's). */
function messageView(log: string, recordedAt: string, e: CloudEvent, traceUrl: string | undefined): SagaDetailView['messages'][number] {
  const trace = typeof e.traceparent === 'string' ? TRACEPARENT.exec(e.traceparent) : null;
  return {
    recordedAt,
    log,
    id: e.id,
    type: e.type,
    source: e.source,
    subject: e.subject ?? null,
    partitionKey: e.partitionkey,
    correlationId: e.correlationid,
    causationId: e.causationid,
    traceId: trace ? trace[1] : null,
    traceUrl: trace && traceUrl ? traceUrl.replaceAll('{traceId}', trace[1]) : null,
    data: e.data,
  };
}
