import { Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiNoContentResponse, ApiOkResponse, ApiQuery, ApiTags } from '@nestjs/swagger';
import { ApiProblemResponses } from '../http/api-problem-responses.decorator';
import { ValidationProblem } from '../http/problem-details.filter';
import { ParkedRecordsService } from './parked-records.service';
import type { ParkedStatus } from './parked-store';

const STATUSES: ParkedStatus[] = ['parked', 'retrying', 'published', 'discarded'];

/** Records Kinesis refused for good, and their keys' followers (docs/adr/0009-relay-parking-and-hot-keys.md). */
@ApiTags('operations')
@Controller('ops/relay/parked')
export class RelayParkedController {
  constructor(private readonly parked: ParkedRecordsService) {}

  @Get()
  @ApiQuery({ name: 'stream', required: false, description: 'logical stream, e.g. users-events' })
  @ApiQuery({ name: 'key', required: false, description: 'partition key' })
  @ApiQuery({ name: 'status', required: false, enum: STATUSES, description: 'default: every status' })
  @ApiQuery({ name: 'limit', required: false, description: '1…500, default 50' })
  @ApiQuery({ name: 'cursor', required: false, description: 'nextCursor of the previous page' })
  @ApiOkResponse({ description: 'Parked records, oldest first (a key\'s head comes before its followers), and the next page\'s cursor' })
  @ApiProblemResponses(400)
  list(@Query('stream') stream?: string, @Query('key') key?: string, @Query('status') status?: string, @Query('limit') limit?: string, @Query('cursor') cursor?: string) {
    const n = Number(limit);
    const errors: Record<string, string[]> = {};
    if (status && !STATUSES.includes(status as ParkedStatus)) errors.status = [`must be one of ${STATUSES.join(', ')}`];
    if (limit !== undefined && !(Number.isInteger(n) && n >= 1 && n <= 500)) errors.limit = ['must be an integer from 1 to 500'];
    if (cursor !== undefined && !/^\d{1,18}$/.test(cursor)) errors.cursor = ['must be the nextCursor of a previous page'];
    if (Object.keys(errors).length > 0) throw new ValidationProblem(errors);
    return this.parked.list({
      stream: stream || undefined,
      partitionKey: key || undefined,
      status: (status || undefined) as ParkedStatus | undefined,
      limit: limit === undefined ? undefined : n,
      cursor,
    });
  }

  @Post(':id/retry')
  @HttpCode(202)
  @ApiAcceptedResponse({ description: 'The active relay sends the record again, then its key\'s followers, in order; refused again, it is parked again' })
  @ApiProblemResponses(404, 409)
  async retry(@Param('id') id: string) {
    const record = await this.parked.retry(validId(id));
    return { id: record.id, stream: record.stream, partitionKey: record.partitionKey, status: record.status };
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Discarded: never published; the key\'s followers then flow in order' })
  @ApiProblemResponses(404, 409)
  async discard(@Param('id') id: string): Promise<void> {
    await this.parked.discard(validId(id));
  }
}

/** Ids are bigints; anything else is simply not found (never a database error). */
function validId(id: string): string {
  return /^\d{1,18}$/.test(id) ? id : '0';
}
