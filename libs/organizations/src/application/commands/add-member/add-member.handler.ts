import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { Clock, UnitOfWork } from '@eda/platform';
import { OrganizationRepository } from '../../../infrastructure/persistence/organization.repository';
import { AddMemberCommand } from './add-member.command';

/** Whether the user exists and is active is answered by the context's own read model of users, never the users schema. */
@CommandHandler(AddMemberCommand)
export class AddMemberHandler implements ICommandHandler<AddMemberCommand> {
  constructor(private readonly uow: UnitOfWork, private readonly clock: Clock) {}

  execute({ organizationId, userId, role }: AddMemberCommand): Promise<void> {
    return this.uow.run(async (tx) => {
      const organizations = new OrganizationRepository(tx.manager);
      const organization = await organizations.getForUpdate(organizationId);
      organization.addMember(userId, role, await organizations.standingOf(userId), this.clock.now());
      await organizations.save(organization);
      tx.collect(organization);
    });
  }
}
