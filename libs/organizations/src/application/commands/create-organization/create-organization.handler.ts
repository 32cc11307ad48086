import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { Clock, IdGenerator, UnitOfWork } from '@eda/platform';
import { Organization } from '../../../domain/organization.aggregate';
import { OrganizationRepository } from '../../../infrastructure/persistence/organization.repository';
import { CreateOrganizationCommand } from './create-organization.command';

@CommandHandler(CreateOrganizationCommand)
export class CreateOrganizationHandler implements ICommandHandler<CreateOrganizationCommand> {
  constructor(private readonly uow: UnitOfWork, private readonly clock: Clock, private readonly ids: IdGenerator) {}

  execute({ name, creditLimitCents }: CreateOrganizationCommand): Promise<{ id: string }> {
    return this.uow.run(async (tx) => {
      const organization = Organization.create({ id: this.ids.next(), name, creditLimitCents }, this.clock.now());
      await new OrganizationRepository(tx.manager).add(organization);
      tx.collect(organization);
      return { id: organization.id };
    });
  }
}
