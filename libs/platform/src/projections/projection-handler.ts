import 'reflect-metadata';
import { Injectable } from '@nestjs/common';
import type { MessageHandler } from '../consumer/handlers/message-handler';
import { OnMessage } from '../consumer/handlers/on-message.decorator';
import type { TransactionScope } from '../database/unit-of-work';
import type { CloudEvent } from '../event-log/cloud-event';
import { applyLive, Projection } from './projection';

export const PROJECTION_METADATA = 'eda:projections:projection';

/**
 * The consumer handler of a projection, as a class to extend: `export class KnownUsersHandler extends
 * ProjectionHandler(KnownUsersProjection) {}`, listed in the context module's providers. The consumer finds it
 * as any `@OnMessage` handler; the ProjectionRegistry finds the projection on it (rebuilds).
 */
export function ProjectionHandler(projection: Projection): new () => Required<Pick<MessageHandler, 'handle' | 'handleBatch'>> {
  @Injectable()
  @OnMessage(projection.types, { handler: projection.name, context: projection.context })
  class Handler implements MessageHandler {
    handle(event: CloudEvent, tx: TransactionScope): Promise<void> {
      return applyLive(projection, tx.manager, [event]);
    }

    handleBatch(events: CloudEvent[], tx: TransactionScope): Promise<void> {
      return applyLive(projection, tx.manager, events);
    }
  }
  Reflect.defineMetadata(PROJECTION_METADATA, projection, Handler);
  return Handler;
}
