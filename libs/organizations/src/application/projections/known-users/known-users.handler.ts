import { Injectable } from '@nestjs/common';
import { UsersEventTypes } from '@eda/contracts';
import { CloudEvent, MessageHandler, OnMessage, TransactionScope } from '@eda/platform';
import { applyManyToKnownUsers, applyToKnownUsers } from './known-users.store';

/** Keeps the organizations context's view of users (names, active) from users' events on `users-events`. */
@Injectable()
@OnMessage([UsersEventTypes.UserRegistered, UsersEventTypes.UserProfileUpdated, UsersEventTypes.UserDeactivated], {
  handler: 'organizations.known-users',
  context: 'organizations',
})
export class KnownUsersHandler implements MessageHandler {
  handle(event: CloudEvent, tx: TransactionScope): Promise<void> {
    return applyToKnownUsers(tx.manager, event, 'live');
  }

  handleBatch(events: CloudEvent[], tx: TransactionScope): Promise<void> {
    return applyManyToKnownUsers(tx.manager, events);
  }
}
