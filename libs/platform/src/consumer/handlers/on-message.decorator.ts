import 'reflect-metadata';
import type { OnMessageOptions } from './message-handler';

export const ON_MESSAGE_METADATA = 'eda:consumer:on-message';

export interface OnMessageMetadata extends OnMessageOptions {
  types: string[];
}

/**
 * Marks a Nest provider as a consumer handler of the given event or command types. The class implements
 * `MessageHandler`; the consumer discovers it and runs `handle` once per message in `options.context`'s
 * unit of work. Unlike the in-memory EventBus, a thrown error is retried and then parked, never dropped.
 */
export function OnMessage(types: string | string[], options: OnMessageOptions): ClassDecorator {
  return (target) => {
    const metadata: OnMessageMetadata = { ...options, types: Array.isArray(types) ? types : [types] };
    Reflect.defineMetadata(ON_MESSAGE_METADATA, metadata, target);
  };
}
