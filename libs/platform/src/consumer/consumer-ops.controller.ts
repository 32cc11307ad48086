import { Controller, Delete, Get, HttpCode, Optional, Param, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiNoContentResponse, ApiOkResponse, ApiQuery, ApiTags } from '@nestjs/swagger';
import { ValidationProblem } from '../http/problem-details.filter';
import { PlatformRuntime } from '../platform-runtime';
import { ConsumerMetrics } from './consumer-metrics';
import { DeadLetterService } from './dead-letters/dead-letter.service';
import { LeaseStore } from './leases/lease-store';

/** reads/s is the GetRecords rate over about this long (Kinesis allows 5 reads/s per shard, shared by every consumer). */
const READ_RATE_WINDOW_MS = 10_000;
const MAX_DEAD_LETTER_LIMIT = 500;
const DEAD_LETTER_PARAMS = new Set(['handler', 'key', 'limit', 'cursor']);

export interface ConsumerLeaseView {
  consumerGroup: string;
  stream: string;
  shardId: string;
  /** The worker holding the lease; null while it is free or expired. */
  owner: string | null;
  /** The worker whose lease ran out unrenewed (it died or stalled): the shard is moving to a live worker; null otherwise. */
  expiredOwner: string | null;
  checkpoint: string;
  millisBehindLatest: number | null;
  state: 'active' | 'finished';
  /** When the group last found the stream re-created and started it over from TRIM_HORIZON (ISO time); null if never. */
  resetAt: string | null;
  /** GetRecords calls per second on this shard by this process's reader; null when another process reads it (or too soon to tell). */
  readsPerSecond: number | null;
}

@ApiTags('operations')
@Controller('ops')
export class ConsumerOpsController {
  constructor(
    private readonly leases: LeaseStore,
    private readonly deadLetters: DeadLetterService,
    // Optional so the controller can be built by hand over a lease and dead-letter store (tests): no read rates then.
    @Optional() private readonly metrics?: ConsumerMetrics,
    @Optional() private readonly runtime?: PlatformRuntime,
  ) {}

  /** Samples of this process's GetRecords counter, oldest first, to turn it into a rate. */
  private readonly readSamples: Array<{ at: number; counts: Map<string, number> }> = [];

  @Get('consumers')
  @ApiOkResponse({ description: 'Shard leases of every consumer group, this process\'s first: who reads each shard, how far, how far behind' })
  async consumers(): Promise<ConsumerLeaseView[]> {
    const rates = await this.readRates();
    const own = this.leases.consumerGroup;
    const leases = await this.leases.listEveryGroup();
    return [...leases.filter((l) => l.consumerGroup === own), ...leases.filter((l) => l.consumerGroup !== own)].map((l) => ({
      consumerGroup: l.consumerGroup,
      stream: l.stream,
      shardId: l.shardId,
      owner: l.expired ? null : l.owner,
      expiredOwner: l.expired ? l.owner : null,
      checkpoint: l.checkpoint,
      millisBehindLatest: l.millisBehindLatest,
      state: l.state,
      resetAt: l.streamResetAt ? l.streamResetAt.toISOString() : null,
      // The counter counts this process's reads, which are of its own group's leases only.
      readsPerSecond: l.consumerGroup === own ? rates.get(`${l.stream}/${l.shardId}`) ?? null : null,
    }));
  }

  /** stream/shard → GetRecords per second, from this process's counter sampled on each call (ring of READ_RATE_WINDOW_MS). */
  private async readRates(): Promise<Map<string, number>> {
    const rates = new Map<string, number>();
    if (!this.metrics || !this.runtime) return rates;
    const prefix = this.runtime.config.STREAM_PREFIX;
    const now = Date.now();
    const counts = new Map<string, number>();
    for (const v of (await this.metrics.getRecords.get()).values) {
      // The counter is labelled with the physical stream; leases name the logical one (without STREAM_PREFIX).
      counts.set(`${String(v.labels.stream)}/${String(v.labels.shard)}`, v.value);
    }
    this.readSamples.push({ at: now, counts });
    while (this.readSamples.length > 2 && now - this.readSamples[1].at >= READ_RATE_WINDOW_MS) this.readSamples.shift();
    const first = this.readSamples[0];
    const seconds = (now - first.at) / 1000;
    if (seconds < 1) return rates;
    for (const [key, value] of counts) {
      const logical = key.startsWith(prefix) ? key.slice(prefix.length) : key;
      rates.set(logical, Math.max(0, value - (first.counts.get(key) ?? 0)) / seconds);
    }
    return rates;
  }

  @Get('dead-letters')
  @ApiQuery({ name: 'handler', required: false })
  @ApiQuery({ name: 'key', required: false, description: 'Only this partition key' })
  @ApiQuery({ name: 'limit', required: false, description: `1-${MAX_DEAD_LETTER_LIMIT}, default 50` })
  @ApiQuery({ name: 'cursor', required: false })
  @ApiOkResponse({ description: 'Parked messages with their error and attempts, oldest first' })
  deadLettersList(@Query() query: Record<string, unknown> = {}) {
    const errors: Record<string, string[]> = {};
    for (const name of Object.keys(query)) {
      if (!DEAD_LETTER_PARAMS.has(name)) errors[name] = [`unknown filter; known: ${[...DEAD_LETTER_PARAMS].join(', ')}`];
      else if (typeof query[name] !== 'string') errors[name] = [`${name} must be given once`];
    }
    const { handler, key, limit, cursor } = query as Record<string, string | undefined>;
    if (limit !== undefined && (!/^\d{1,4}$/.test(limit) || Number(limit) < 1 || Number(limit) > MAX_DEAD_LETTER_LIMIT)) {
      errors.limit = [`limit must be an integer from 1 to ${MAX_DEAD_LETTER_LIMIT}`];
    }
    if (cursor !== undefined && !/^\d{1,18}$/.test(cursor)) errors.cursor = ['cursor must be a nextCursor this API returned'];
    if (Object.keys(errors).length > 0) throw new ValidationProblem(errors);
    return this.deadLetters.list({
      handler: handler || undefined,
      partitionKey: key || undefined,
      limit: limit === undefined ? undefined : Number(limit),
      cursor,
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
