import { Command } from '@nestjs/cqrs';
import type { OrganizationRole } from '@eda/contracts';

export class AddMemberCommand extends Command<void> {
  constructor(readonly organizationId: string, readonly userId: string, readonly role: OrganizationRole) {
    super();
  }
}
