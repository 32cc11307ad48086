import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { RelayService } from './relay.service';
import type { RelayStatus } from './relay-status';

@ApiTags('operations')
@Controller('ops/relay')
export class RelayController {
  constructor(private readonly relay: RelayService) {}

  /** The relay's mode, the events not yet on Kinesis and how old the oldest is; answered from the database by any process. */
  @Get()
  @ApiOkResponse({
    schema: {
      type: 'object',
      properties: {
        mode: { type: 'string', enum: ['wal', 'polling'] },
        pending: { type: 'integer' },
        parked: { type: 'integer', description: 'Parked records holding their key back: GET /ops/relay/parked' },
        lagMs: { type: 'integer' },
        lastPublishedAt: { type: 'string', format: 'date-time', nullable: true },
      },
    },
  })
  status(): Promise<RelayStatus> {
    return this.relay.status();
  }
}
