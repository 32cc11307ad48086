import type { UnitOfWork, TransactionScope } from '../../database/unit-of-work';
import type { CloudEvent } from '../../event-log/cloud-event';

/** A consumer handler: applies one message inside its context's transaction (inbox row, effect, events). */
export interface MessageHandler {
  handle(event: CloudEvent, tx: TransactionScope): Promise<void>;
  /**
   * Optional: applies many messages at once in one transaction — a projection's one read and one upsert for a
   * whole batch instead of one each (docs/adr/0017-batched-consumer-transactions.md). Messages come in stream
   * order per key, duplicates already removed; the result must be what `handle` one by one would give. Events it
   * publishes are not tied to one message (no causation): handlers that publish keep to `handle`.
   */
  handleBatch?(events: CloudEvent[], tx: TransactionScope): Promise<void>;
  /**
   * Optional, for a handler that keeps `handle` (its events are each message's own): called once before `handle`
   * runs for each message of a batch, to lock and load what all of them need in a few statements instead of a few
   * per message (keep it with `tx.keep` under a TransactionKey). The batch's messages, duplicates removed, in the order `handle` gets them.
   */
  prepareBatch?(events: CloudEvent[], tx: TransactionScope): Promise<void>;
  /** Optional: called once after `handle` ran for every message of a batch, to write what it left in memory. */
  finishBatch?(tx: TransactionScope): Promise<void>;
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
  handleBatch?(events: CloudEvent[], tx: TransactionScope): Promise<void>;
  prepareBatch?(events: CloudEvent[], tx: TransactionScope): Promise<void>;
  finishBatch?(tx: TransactionScope): Promise<void>;
}

/** The registered form of a handler instance: the batch hooks only where the handler has them. */
export function handlerFunctions(handler: MessageHandler): Pick<RegisteredHandler, 'handle' | 'handleBatch' | 'prepareBatch' | 'finishBatch'> {
  return {
    handle: (event, tx) => handler.handle(event, tx),
    ...(handler.handleBatch ? { handleBatch: (events: CloudEvent[], tx: TransactionScope) => handler.handleBatch!(events, tx) } : {}),
    ...(handler.prepareBatch ? { prepareBatch: (events: CloudEvent[], tx: TransactionScope) => handler.prepareBatch!(events, tx) } : {}),
    ...(handler.finishBatch ? { finishBatch: (tx: TransactionScope) => handler.finishBatch!(tx) } : {}),
  };
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
    ...handlerFunctions(handler),
  };
}
