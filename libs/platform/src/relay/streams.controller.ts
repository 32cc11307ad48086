import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { StreamsReport, StreamStats } from './stream-stats';

@ApiTags('operations')
@Controller('ops/streams')
export class StreamsController {
  constructor(private readonly streams: StreamStats) {}

  /**
   * Per stream over the last minute: shard count, records/s and bytes/s (average and busiest second) against
   * Kinesis' per-shard limits, the hottest partition keys and sizing advice; answered by any process.
   */
  @Get()
  @ApiOkResponse({ description: '`{windowSeconds, limits, at, streams: [{stream, physicalStream, shards, rate, utilisation, shardsNeeded, keys, advice}]}`' })
  report(): Promise<StreamsReport> {
    return this.streams.report();
  }
}
