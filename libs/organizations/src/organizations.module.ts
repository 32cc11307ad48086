import { DynamicModule, Module } from '@nestjs/common';
import { ContextPersistenceModule, ProjectionsModule } from '@eda/platform';
import { OrganizationsController } from './api/organizations.controller';
import { ReleaseCreditHandler } from './application/bus-commands/release-credit/release-credit.handler';
import { ReserveCreditHandler } from './application/bus-commands/reserve-credit/reserve-credit.handler';
import { AddMemberHandler } from './application/commands/add-member/add-member.handler';
import { CreateOrganizationHandler } from './application/commands/create-organization/create-organization.handler';
import { RemoveMemberHandler } from './application/commands/remove-member/remove-member.handler';
import { UpdateOrganizationHandler } from './application/commands/update-organization/update-organization.handler';
import { KnownUsersHandler } from './application/projections/known-users/known-users.handler';
import { GetOrganizationHandler } from './application/queries/get-organization/get-organization.handler';
import { organizationsStorage } from './organizations.storage';

/** The organizations bounded context: organizations, members, credit and its reservations; owns the `organizations` schema. */
@Module({})
export class OrganizationsModule {
  static readonly storage = organizationsStorage;

  /** `routes: false` in processes without the api role: the context still handles messages and serves /ops. */
  static forRoot(options: { routes: boolean }): DynamicModule {
    return {
      module: OrganizationsModule,
      // ProjectionsModule: the registry of projections and POST /ops/projections/:name/rebuild (served whatever the roles).
      imports: [ContextPersistenceModule.forContext(organizationsStorage), ProjectionsModule],
      controllers: options.routes ? [OrganizationsController] : [],
      providers: [
        CreateOrganizationHandler,
        UpdateOrganizationHandler,
        AddMemberHandler,
        RemoveMemberHandler,
        GetOrganizationHandler,
        ReserveCreditHandler,
        ReleaseCreditHandler,
        KnownUsersHandler,
      ],
    };
  }
}
