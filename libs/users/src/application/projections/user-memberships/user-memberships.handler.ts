import { Injectable } from '@nestjs/common';
import { OrganizationsEventTypes } from '@eda/contracts';
import { CloudEvent, MessageHandler, OnMessage, TransactionScope } from '@eda/platform';
import { applyToUserMemberships } from './user-memberships.store';

/** Keeps the organizations each user belongs to (GET /users/:id) from organizations' events on `organizations-events`. */
@Injectable()
@OnMessage([OrganizationsEventTypes.MemberAdded, OrganizationsEventTypes.MemberRemoved, OrganizationsEventTypes.OrganizationRenamed], {
  handler: 'users.user-memberships',
  context: 'users',
})
export class UserMembershipsHandler implements MessageHandler {
  handle(event: CloudEvent, tx: TransactionScope): Promise<void> {
    return applyToUserMemberships(tx.manager, event, 'live');
  }
}
