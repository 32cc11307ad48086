import { DynamicModule, Module } from '@nestjs/common';
import { ContextPersistenceModule, ProjectionsModule } from '@eda/platform';
import { UsersController } from './api/users.controller';
import { DeactivateUserHandler } from './application/commands/deactivate-user/deactivate-user.handler';
import { RegisterUserHandler } from './application/commands/register-user/register-user.handler';
import { UpdateUserProfileHandler } from './application/commands/update-user-profile/update-user-profile.handler';
import { UserMembershipsHandler } from './application/projections/user-memberships/user-memberships.handler';
import { GetUserHandler } from './application/queries/get-user/get-user.handler';
import { usersStorage } from './users.storage';

/** The users bounded context: registration, profiles and deactivation; owns the `users` schema. */
@Module({})
export class UsersModule {
  static readonly storage = usersStorage;

  /** `routes: false` in processes without the api role: the context still handles messages. */
  static forRoot(options: { routes: boolean }): DynamicModule {
    return {
      module: UsersModule,
      // ProjectionsModule: the registry of projections and POST /ops/projections/:name/rebuild (served whatever the roles).
      imports: [ContextPersistenceModule.forContext(usersStorage), ProjectionsModule],
      controllers: options.routes ? [UsersController] : [],
      providers: [RegisterUserHandler, UpdateUserProfileHandler, DeactivateUserHandler, GetUserHandler, UserMembershipsHandler],
    };
  }
}
