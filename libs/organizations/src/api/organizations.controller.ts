import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ApiProblemResponses } from '@eda/platform';
import { AddMemberCommand } from '../application/commands/add-member/add-member.command';
import { CreateOrganizationCommand } from '../application/commands/create-organization/create-organization.command';
import { RemoveMemberCommand } from '../application/commands/remove-member/remove-member.command';
import { UpdateOrganizationCommand } from '../application/commands/update-organization/update-organization.command';
import { GetOrganizationQuery, OrganizationView } from '../application/queries/get-organization/get-organization.query';
import { AddMemberDto } from './dto/add-member.dto';
import { CreateOrganizationDto } from './dto/create-organization.dto';
import { OrganizationResponseDto } from './dto/organization.response.dto';
import { UpdateOrganizationDto } from './dto/update-organization.dto';

@ApiTags('organizations')
@Controller('organizations')
export class OrganizationsController {
  constructor(private readonly commands: CommandBus, private readonly queries: QueryBus) {}

  @Post()
  @ApiCreatedResponse({ type: OrganizationResponseDto, description: 'Created; organizations.OrganizationCreated is in the event log' })
  @ApiProblemResponses(400)
  async create(@Body() body: CreateOrganizationDto): Promise<OrganizationView> {
    const { id } = await this.commands.execute(new CreateOrganizationCommand(body.name, body.creditLimitCents));
    return this.queries.execute(new GetOrganizationQuery(id));
  }

  @Get(':id')
  @ApiOkResponse({ type: OrganizationResponseDto })
  @ApiProblemResponses(400, 404)
  get(@Param('id', new ParseUUIDPipe()) id: string): Promise<OrganizationView> {
    return this.queries.execute(new GetOrganizationQuery(id));
  }

  @Patch(':id')
  @ApiOkResponse({ type: OrganizationResponseDto, description: 'OrganizationRenamed / CreditLimitChanged for what really changed' })
  @ApiProblemResponses(400, 404, 422)
  async update(@Param('id', new ParseUUIDPipe()) id: string, @Body() body: UpdateOrganizationDto): Promise<OrganizationView> {
    await this.commands.execute(new UpdateOrganizationCommand(id, body.name, body.creditLimitCents));
    return this.queries.execute(new GetOrganizationQuery(id));
  }

  @Post(':id/members')
  @ApiCreatedResponse({ type: OrganizationResponseDto, description: 'MemberAdded' })
  @ApiProblemResponses(400, 404, 409, 422)
  async addMember(@Param('id', new ParseUUIDPipe()) id: string, @Body() body: AddMemberDto): Promise<OrganizationView> {
    await this.commands.execute(new AddMemberCommand(id, body.userId, body.role));
    return this.queries.execute(new GetOrganizationQuery(id));
  }

  @Delete(':id/members/:userId')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'MemberRemoved' })
  @ApiProblemResponses(400, 404)
  async removeMember(@Param('id', new ParseUUIDPipe()) id: string, @Param('userId', new ParseUUIDPipe()) userId: string): Promise<void> {
    await this.commands.execute(new RemoveMemberCommand(id, userId));
  }
}
