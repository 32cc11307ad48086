import { Command } from '@nestjs/cqrs';

export class UpdateUserProfileCommand extends Command<void> {
  constructor(readonly userId: string, readonly firstName?: string, readonly lastName?: string) {
    super();
  }
}
