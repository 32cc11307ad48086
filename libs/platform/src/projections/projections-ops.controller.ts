import { Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiParam, ApiTags } from '@nestjs/swagger';
import { ProjectionRegistry } from './projection-registry';

/** The one rebuild route of every projection (docs/contract.md §3.6), served by every process whatever its roles. */
@ApiTags('operations')
@Controller('ops/projections')
export class ProjectionsOpsController {
  constructor(private readonly registry: ProjectionRegistry) {}

  @Post(':name/rebuild')
  @HttpCode(200)
  @ApiParam({ name: 'name', description: 'The projection, `<context>.<name>`, e.g. `users.user-memberships`' })
  @ApiOkResponse({ description: '`{projection, replayed}`: rebuilt from its source event log; live events resume without gap or double' })
  @ApiNotFoundResponse({ description: 'No projection of that name' })
  async rebuild(@Param('name') name: string): Promise<{ projection: string; replayed: number }> {
    return { projection: name, ...(await this.registry.rebuild(name)) };
  }
}
