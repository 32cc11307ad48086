import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { Clock, UnitOfWork } from '@eda/platform';
import { OrganizationRepository } from '../../../infrastructure/persistence/organization.repository';
import { UpdateOrganizationCommand } from './update-organization.command';

/** Renames and/or changes the credit limit in one transaction: both or neither. */
@CommandHandler(UpdateOrganizationCommand)
export class UpdateOrganizationHandler implements ICommandHandler<UpdateOrganizationCommand> {
  constructor(private readonly uow: UnitOfWork, private readonly clock: Clock) {}

  execute({ organizationId, name, creditLimitCents }: UpdateOrganizationCommand): Promise<void> {
    return this.uow.run(async (tx) => {
      const organizations = new OrganizationRepository(tx.manager);
      const organization = await organizations.getForUpdate(organizationId);
      const now = this.clock.now();
      if (name !== undefined) organization.rename(name, now);
      if (creditLimitCents !== undefined) organization.changeCreditLimit(creditLimitCents, now);
      await organizations.save(organization);
      tx.collect(organization);
    });
  }
}
