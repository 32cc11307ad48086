import { Controller, HttpCode, Post } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { UserMembershipsRebuilder } from '../application/projections/user-memberships/user-memberships.rebuilder';

/** Operations route, served by every process whatever its roles (docs/contract.md §2). */
@ApiTags('operations')
@Controller('ops/projections')
export class UsersProjectionsController {
  constructor(private readonly memberships: UserMembershipsRebuilder) {}

  @Post('users.user-memberships/rebuild')
  @HttpCode(200)
  @ApiOkResponse({ description: 'Rebuilt users.user_memberships from the organizations event log; live events resume without gap or double' })
  async rebuildMemberships(): Promise<{ projection: string; replayed: number }> {
    return { projection: 'users.user-memberships', ...(await this.memberships.rebuild()) };
  }
}
