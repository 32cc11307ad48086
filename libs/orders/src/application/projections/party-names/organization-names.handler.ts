import { Injectable } from '@nestjs/common';
import { CloudEvent, MessageHandler, OnMessage, TransactionScope } from '@eda/platform';
import { applyToPartyNames, OrganizationNamesProjection } from './party-names.projection';

/** Keeps orders.organization_names (organizationName in GET /orders) from organizations' events. */
@Injectable()
@OnMessage(OrganizationNamesProjection.types, { handler: OrganizationNamesProjection.name, context: 'orders' })
export class OrganizationNamesHandler implements MessageHandler {
  handle(event: CloudEvent, tx: TransactionScope): Promise<void> {
    return applyToPartyNames(tx.manager, event, 'live');
  }
}
