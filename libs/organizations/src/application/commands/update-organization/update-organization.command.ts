import { Command } from '@nestjs/cqrs';

export class UpdateOrganizationCommand extends Command<void> {
  constructor(readonly organizationId: string, readonly name?: string, readonly creditLimitCents?: number) {
    super();
  }
}
