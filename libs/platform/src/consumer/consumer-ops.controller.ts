import { Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiNoContentResponse, ApiOkResponse, ApiQuery, ApiTags } from '@nestjs/swagger';
import { DeadLetterService } from './dead-letter.service';
import { LeaseStore } from './lease-store';

export interface ConsumerLeaseView {
  stream: string;
  shardId: string;
  owner: string | null;
  checkpoint: string;
  millisBehindLatest: number | null;
  state: 'active' | 'finished';
  /** When the group last found the stream re-created and started it over from TRIM_HORIZON (ISO time); null if never. */
  resetAt: string | null;
}

@ApiTags('operations')
@Controller('ops')
export class ConsumerOpsController {
  constructor(
    private readonly leases: LeaseStore,
    private readonly deadLetters: DeadLetterService,
  ) {}

  @Get('consumers')
  @ApiOkResponse({ description: 'Shard leases of this consumer group: who reads each shard, how far, how far behind' })
  async consumers(): Promise<ConsumerLeaseView[]> {
    return (await this.leases.list()).map((l) => ({
      stream: l.stream,
      shardId: l.shardId,
      owner: l.expired ? null : l.owner,
      checkpoint: l.checkpoint,
      millisBehindLatest: l.millisBehindLatest,
      state: l.state,
      resetAt: l.streamResetAt ? l.streamResetAt.toISOString() : null,
    }));
  }

  @Get('dead-letters')
  @ApiQuery({ name: 'handler', required: false })
  @ApiQuery({ name: 'limit', required: false })
  @ApiQuery({ name: 'cursor', required: false })
  @ApiOkResponse({ description: 'Parked messages with their error and attempts, oldest first' })
  deadLettersList(@Query('handler') handler?: string, @Query('limit') limit?: string, @Query('cursor') cursor?: string) {
    const n = Number(limit);
    return this.deadLetters.list({
      handler: handler || undefined,
      limit: Number.isInteger(n) && n > 0 ? n : undefined,
      cursor: cursor && /^\d{1,18}$/.test(cursor) ? cursor : undefined,
    });
  }

  @Post('dead-letters/:id/retry')
  @HttpCode(202)
  @ApiAcceptedResponse({ description: 'The key\'s parked messages are re-run in order in the background' })
  async retry(@Param('id') id: string) {
    const { accepted } = await this.deadLetters.retry(this.validId(id));
    return { id: accepted.id, handler: accepted.handler, partitionKey: accepted.partitionKey, status: 'retrying' };
  }

  @Delete('dead-letters/:id')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Discarded: the message will not be applied' })
  async discard(@Param('id') id: string): Promise<void> {
    await this.deadLetters.discard(this.validId(id));
  }

  /** Ids are bigints; anything else is simply not found (never a database error). */
  private validId(id: string): string {
    return /^\d{1,18}$/.test(id) ? id : '0';
  }
}
