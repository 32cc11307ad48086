import { Controller, Get, NotFoundException, Param, Post, Query, Req, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ApiProblemResponses } from '../http/api-problem-responses.decorator';
import { ValidationProblem } from '../http/problem-details.filter';
import type { CloudEvent } from '../event-log/cloud-event';
import { CLOUDEVENTS_JSON } from './cloud-events-content-type';
import { CloudEventDto, EventAcceptedDto, EventPageDto } from './dto/cloud-event.dto';
import { GetEventQueryDto, ListEventsQueryDto } from './dto/list-events.query.dto';
import { SourceForbiddenError, TypeForbiddenError } from './event-bus.errors';
import { EventBusIngress } from './event-bus-ingress';
import { EventLogPage, EventLogQuery } from '../event-log/event-log-query';
import { isStorableString, MAX_ATTRIBUTE_LENGTH, validateCloudEvent } from './incoming-cloud-event';
import { EventLogReadGuard, publishingKey, RequestWithProducerKey } from './producer-key.guard';
import { ProducerKeyStore } from './producer-key-store';

/** docs/contract.md §3 event bus: external producers' ingress and the read side of the whole event log. */
@ApiTags('event bus')
@Controller('events')
export class EventsController {
  constructor(private readonly ingress: EventBusIngress, private readonly query: EventLogQuery, private readonly keys: ProducerKeyStore) {}

  /**
   * Fastify runs this method as the route's own handler, past Nest's per-request pipeline (EventsIngressRoute,
   * docs/adr/0019-ingress-fast-path.md): it checks the key itself, and its errors reach the same
   * problem+json filter through Fastify's error handler. Nest declares the route and documents it.
   */
  @Post()
  @ApiBearerAuth('producer-key')
  @ApiOperation({
    summary: 'Publish a CloudEvents 1.0 event (structured JSON)',
    description:
      'Committed to the event log (stream `platform-events`, partition key: `partitionkey`, else `subject`, else `id`) before the answer. ' +
      'Idempotent per `source` + `id`: the same event again answers 200 with the same body; a different event with the same `source` + `id` is a 409. ' +
      'A `type` in a namespace of the app\'s own contexts (`users.`, `organizations.`, `inventory.`, `orders.`, `platform.`) is a 403. ' +
      '413 when the event, as the relay will publish it (its JSON as stored, numbers written out in full) with its partition key, exceeds a Kinesis record. ' +
      'Needs a producer key with the `publish` scope, issued for the event\'s `source`. Rate-limited per key (429 with `Retry-After`).',
  })
  @ApiConsumes(CLOUDEVENTS_JSON, 'application/json')
  @ApiBody({ type: CloudEventDto })
  @ApiCreatedResponse({ type: EventAcceptedDto, description: 'Committed to the event log' })
  @ApiOkResponse({ type: EventAcceptedDto, description: 'The same event was already committed (a replay); nothing changed' })
  @ApiProblemResponses(400, 401, 403, 409, 413, 429)
  async publish(@Req() request: RequestWithProducerKey, @Res() reply: FastifyReply): Promise<void> {
    const key = await publishingKey(this.keys, request, reply);
    const validation = validateCloudEvent(request.body);
    if (!validation.ok) throw new ValidationProblem(validation.errors, 'The event is not a valid CloudEvents 1.0 event.');
    const { event } = validation;
    if (!this.keys.allows(key, event.source)) throw new SourceForbiddenError(event.source);
    if (this.keys.isReservedType(event.type)) throw new TypeForbiddenError(event.type);
    const result = await this.ingress.ingest(event);
    void reply.code(result.created ? 201 : 200).send({ id: result.id });
  }

  @Get()
  @UseGuards(EventLogReadGuard)
  @ApiBearerAuth('producer-key')
  @ApiBearerAuth('ops-token')
  @ApiOperation({
    summary: 'Browse the event log (every context\'s events and the producers\')',
    description:
      'Ordered by the transaction that wrote each event, oldest first; a page holds only events of transactions older than every one still running in the app\'s database, ' +
      'so nothing can later appear behind `nextCursor` (ask again from your last cursor to see what committed since). ' +
      '`after`/`before` compare with the event `time`.' +
      'Needs a producer key with the `read` scope, or the operations token.',
  })
  @ApiOkResponse({ type: EventPageDto })
  @ApiProblemResponses(400, 401, 403)
  list(@Query() query: ListEventsQueryDto): Promise<EventLogPage> {
    return this.query.list({ ...query, limit: query.limit ?? 100 });
  }

  @Get(':id')
  @UseGuards(EventLogReadGuard)
  @ApiBearerAuth('producer-key')
  @ApiBearerAuth('ops-token')
  @ApiOperation({ summary: 'One stored CloudEvent by id (add `source` when several sources used the same id); needs the `read` scope or the operations token' })
  @ApiOkResponse({ type: CloudEventDto })
  @ApiProblemResponses(400, 401, 403, 404)
  async get(@Param('id') id: string, @Query() query: GetEventQueryDto): Promise<CloudEvent> {
    // An id the log cannot hold cannot be found; asking PostgreSQL about it would only raise an error.
    const event = id.length <= MAX_ATTRIBUTE_LENGTH && isStorableString(id) ? await this.query.get(id, query.source) : undefined;
    if (!event) throw new NotFoundException(`No event with id ${JSON.stringify(id.slice(0, MAX_ATTRIBUTE_LENGTH))}.`);
    return event;
  }
}
