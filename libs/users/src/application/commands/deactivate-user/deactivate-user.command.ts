import { Command } from '@nestjs/cqrs';

export class DeactivateUserCommand extends Command<void> {
  constructor(readonly userId: string) {
    super();
  }
}
