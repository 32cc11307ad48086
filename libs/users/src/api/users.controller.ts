import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ApiProblemResponses } from '@eda/platform';
import { DeactivateUserCommand } from '../application/commands/deactivate-user/deactivate-user.command';
import { RegisterUserCommand } from '../application/commands/register-user/register-user.command';
import { UpdateUserProfileCommand } from '../application/commands/update-user-profile/update-user-profile.command';
import { GetUserQuery, UserView } from '../application/queries/get-user/get-user.query';
import { RegisterUserDto } from './dto/register-user.dto';
import { UpdateUserProfileDto } from './dto/update-user-profile.dto';
import { UserResponseDto } from './dto/user.response.dto';

@ApiTags('users')
@Controller('users')
export class UsersController {
  constructor(private readonly commands: CommandBus, private readonly queries: QueryBus) {}

  @Post()
  @ApiCreatedResponse({ type: UserResponseDto, description: 'Registered; users.UserRegistered is in the event log' })
  @ApiProblemResponses(400, 409)
  async register(@Body() body: RegisterUserDto): Promise<UserView> {
    const { id } = await this.commands.execute(new RegisterUserCommand(body.email, body.username, body.firstName, body.lastName));
    return this.queries.execute(new GetUserQuery(id));
  }

  @Get(':id')
  @ApiOkResponse({ type: UserResponseDto })
  @ApiProblemResponses(400, 404)
  get(@Param('id', new ParseUUIDPipe()) id: string): Promise<UserView> {
    return this.queries.execute(new GetUserQuery(id));
  }

  @Patch(':id')
  @ApiOkResponse({ type: UserResponseDto })
  @ApiProblemResponses(400, 404, 409)
  async update(@Param('id', new ParseUUIDPipe()) id: string, @Body() body: UpdateUserProfileDto): Promise<UserView> {
    await this.commands.execute(new UpdateUserProfileCommand(id, body.firstName, body.lastName));
    return this.queries.execute(new GetUserQuery(id));
  }

  @Post(':id/deactivate')
  @HttpCode(200)
  @ApiOkResponse({ type: UserResponseDto })
  @ApiProblemResponses(400, 404)
  async deactivate(@Param('id', new ParseUUIDPipe()) id: string): Promise<UserView> {
    await this.commands.execute(new DeactivateUserCommand(id));
    return this.queries.execute(new GetUserQuery(id));
  }
}
