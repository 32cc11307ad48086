import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { ProjectionRegistry } from './projection-registry';
import { ProjectionsOpsController } from './projections-ops.controller';

/**
 * The projections runtime: the registry and POST /ops/projections/:name/rebuild. A static module, so every
 * context that imports it shares one registry and one route.
 */
@Module({
  imports: [DiscoveryModule],
  controllers: [ProjectionsOpsController],
  providers: [ProjectionRegistry],
  exports: [ProjectionRegistry],
})
export class ProjectionsModule {}
