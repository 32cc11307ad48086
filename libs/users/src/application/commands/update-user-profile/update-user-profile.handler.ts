import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { Clock, UnitOfWork } from '@eda/platform';
import { UserRepository } from '../../../infrastructure/persistence/user.repository';
import { UpdateUserProfileCommand } from './update-user-profile.command';

@CommandHandler(UpdateUserProfileCommand)
export class UpdateUserProfileHandler implements ICommandHandler<UpdateUserProfileCommand> {
  constructor(private readonly uow: UnitOfWork, private readonly clock: Clock) {}

  execute({ userId, firstName, lastName }: UpdateUserProfileCommand): Promise<void> {
    return this.uow.run(async (tx) => {
      const users = new UserRepository(tx.manager);
      const user = await users.get(userId);
      user.updateProfile({ firstName, lastName }, this.clock.now());
      await users.save(user);
      tx.collect(user);
    });
  }
}
