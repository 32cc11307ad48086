import { Injectable } from '@nestjs/common';
import { CloudEvent, MessageHandler, OnMessage, TransactionScope } from '@eda/platform';
import { applyToPartyNames, UserNamesProjection } from './party-names.projection';

/** Keeps orders.user_names (userName in GET /orders) from users' events. */
@Injectable()
@OnMessage(UserNamesProjection.types, { handler: UserNamesProjection.name, context: 'orders' })
export class UserNamesHandler implements MessageHandler {
  handle(event: CloudEvent, tx: TransactionScope): Promise<void> {
    return applyToPartyNames(tx.manager, event, 'live');
  }
}
