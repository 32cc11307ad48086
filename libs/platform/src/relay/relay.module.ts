import { Module } from '@nestjs/common';
import { ParkedRecordsService } from './parked-records.service';
import { RelayController } from './relay.controller';
import { RelayParkedController } from './relay-parked.controller';
import { RelayHealth } from './relay-health';
import { RelayService } from './relay.service';
import { StreamStats } from './stream-stats';
import { StreamsController } from './streams.controller';

/**
 * GET /ops/relay, /ops/relay/parked…, GET /ops/streams and the relay's readiness check in every process; the relay itself (WAL or polling →
 * Kinesis, one active per database) only where ROLES includes `relay`. Needs PlatformRuntime and
 * MetricsService from the global PlatformModule.
 */
@Module({
  controllers: [RelayController, RelayParkedController, StreamsController],
  providers: [RelayService, RelayHealth, ParkedRecordsService, StreamStats],
  exports: [RelayService, RelayHealth],
})
export class RelayModule {}
