import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { Clock, UnitOfWork } from '@eda/platform';
import { OrganizationRepository } from '../../../infrastructure/persistence/organization.repository';
import { RemoveMemberCommand } from './remove-member.command';

@CommandHandler(RemoveMemberCommand)
export class RemoveMemberHandler implements ICommandHandler<RemoveMemberCommand> {
  constructor(private readonly uow: UnitOfWork, private readonly clock: Clock) {}

  execute({ organizationId, userId }: RemoveMemberCommand): Promise<void> {
    return this.uow.run(async (tx) => {
      const organizations = new OrganizationRepository(tx.manager);
      const organization = await organizations.getForUpdate(organizationId);
      organization.removeMember(userId, this.clock.now());
      await organizations.save(organization);
      tx.collect(organization);
    });
  }
}
