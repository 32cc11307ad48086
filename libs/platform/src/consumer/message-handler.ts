import type { UnitOfWork, TransactionScope } from '../database/unit-of-work';
import type { CloudEvent } from '../event-log/cloud-event';

/** A consumer handler: applies one message inside its context's transaction (inbox row, effect, events). */
export interface MessageHandler {
  handle(event: CloudEvent, tx: TransactionScope): Promise<void>;
}

export interface OnMessageOptions {
  /** Stable name: the inbox, positions and dead letters are kept under it. Renaming it replays everything. */
  handler: string;
  /** The context whose unit of work (role, schema, inbox) the handler runs in. */
  context: string;
  /**
   * Logical stream to read (without prefix). Default: `<context of the type>-events`; a command handler
   * names `<its context>-commands`.
   */
  stream?: string;
}

/** A handler as the dispatcher sees it, resolved to its context's unit of work. */
export interface RegisteredHandler {
  name: string;
  context: string;
  /** Logical stream → message types taken from it. */
  subscriptions: Map<string, Set<string>>;
  unitOfWork: UnitOfWork;
  handle(event: CloudEvent, tx: TransactionScope): Promise<void>;
}

export function subscriptionsOf(types: string[], stream?: string): Map<string, Set<string>> {
  const subscriptions = new Map<string, Set<string>>();
  for (const type of types) {
    const source = type.split('.')[0];
    const logical = stream ?? `${source}-events`;
    if (!subscriptions.has(logical)) subscriptions.set(logical, new Set());
    subscriptions.get(logical)!.add(type);
  }
  return subscriptions;
}

/** Builds a registered handler outside Nest (worker scripts, tests). */
export function registerHandler(
  types: string | string[],
  options: OnMessageOptions,
  unitOfWork: UnitOfWork,
  handler: MessageHandler,
): RegisteredHandler {
  return {
    name: options.handler,
    context: options.context,
    subscriptions: subscriptionsOf(Array.isArray(types) ? types : [types], options.stream),
    unitOfWork,
    handle: (event, tx) => handler.handle(event, tx),
  };
}
