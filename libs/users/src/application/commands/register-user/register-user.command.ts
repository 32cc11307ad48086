import { Command } from '@nestjs/cqrs';

export class RegisterUserCommand extends Command<{ id: string }> {
  constructor(readonly email: string, readonly username: string, readonly firstName: string, readonly lastName: string) {
    super();
  }
}
