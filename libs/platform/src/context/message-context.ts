import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes, randomUUID } from 'node:crypto';

/**
 * What causes the current unit of work: an HTTP request or a consumed message. Events appended inside it
 * carry its correlation id, are caused by its message id and continue its W3C trace.
 */
export interface MessageContext {
  correlationId: string;
  causationId: string;
  traceparent: string;
}

const storage = new AsyncLocalStorage<MessageContext>();

export function currentMessageContext(): MessageContext | undefined {
  return storage.getStore();
}

export function runInMessageContext<T>(context: MessageContext, work: () => T): T {
  return storage.run(context, work);
}

/** A child span of `parent` (or a new trace): same trace id, new parent id. */
export function childTraceparent(parent?: string): string {
  const match = parent && /^00-([0-9a-f]{32})-[0-9a-f]{16}-([0-9a-f]{2})$/.exec(parent);
  const traceId = match ? match[1] : randomBytes(16).toString('hex');
  const flags = match ? match[2] : '01';
  return `00-${traceId}-${randomBytes(8).toString('hex')}-${flags}`;
}

export function newMessageContext(correlationId: string = randomUUID(), traceparent?: string): MessageContext {
  return { correlationId, causationId: correlationId, traceparent: childTraceparent(traceparent) };
}
