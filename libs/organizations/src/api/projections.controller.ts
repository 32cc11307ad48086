import { Controller, HttpCode, Post } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { KnownUsersRebuilder } from '../application/projections/known-users/known-users.rebuilder';

/** Operations route, served by every process whatever its roles (docs/contract.md §2). */
@ApiTags('operations')
@Controller('ops/projections')
export class OrganizationsProjectionsController {
  constructor(private readonly knownUsers: KnownUsersRebuilder) {}

  @Post('organizations.known-users/rebuild')
  @HttpCode(200)
  @ApiOkResponse({ description: 'Rebuilt organizations.known_users from the users event log; live events resume without gap or double' })
  async rebuildKnownUsers(): Promise<{ projection: string; replayed: number }> {
    return { projection: 'organizations.known-users', ...(await this.knownUsers.rebuild()) };
  }
}
