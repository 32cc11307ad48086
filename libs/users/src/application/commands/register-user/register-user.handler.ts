import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { Clock, IdGenerator, UnitOfWork } from '@eda/platform';
import { User } from '../../../domain/user.aggregate';
import { UserRepository } from '../../../infrastructure/persistence/user.repository';
import { RegisterUserCommand } from './register-user.command';

@CommandHandler(RegisterUserCommand)
export class RegisterUserHandler implements ICommandHandler<RegisterUserCommand> {
  constructor(private readonly uow: UnitOfWork, private readonly clock: Clock, private readonly ids: IdGenerator) {}

  execute(command: RegisterUserCommand): Promise<{ id: string }> {
    return this.uow.run(async (tx) => {
      const user = User.register({ id: this.ids.next(), ...command }, this.clock.now());
      await new UserRepository(tx.manager).add(user);
      tx.collect(user);
      return { id: user.id };
    });
  }
}
