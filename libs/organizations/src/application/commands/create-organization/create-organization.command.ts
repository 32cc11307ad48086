import { Command } from '@nestjs/cqrs';

export class CreateOrganizationCommand extends Command<{ id: string }> {
  constructor(readonly name: string, readonly creditLimitCents: number) {
    super();
  }
}
