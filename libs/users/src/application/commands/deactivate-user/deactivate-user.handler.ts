import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { Clock, UnitOfWork } from '@eda/platform';
import { UserRepository } from '../../../infrastructure/persistence/user.repository';
import { DeactivateUserCommand } from './deactivate-user.command';

@CommandHandler(DeactivateUserCommand)
export class DeactivateUserHandler implements ICommandHandler<DeactivateUserCommand> {
  constructor(private readonly uow: UnitOfWork, private readonly clock: Clock) {}

  execute({ userId }: DeactivateUserCommand): Promise<void> {
    return this.uow.run(async (tx) => {
      const users = new UserRepository(tx.manager);
      const user = await users.get(userId);
      user.deactivate(this.clock.now());
      await users.save(user);
      tx.collect(user);
    });
  }
}
