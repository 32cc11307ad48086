import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes, randomUUID } from 'node:crypto';
import { activeSpanTraceparent, parseTraceparent } from '../observability/tracing';

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

/** A child span of `parent` (or a new trace): same trace id, new parent id. Used when no tracing SDK makes real spans. */
export function childTraceparent(parent?: string): string {
  const parentContext = parseTraceparent(parent);
  const traceId = parentContext ? parentContext.traceId : randomBytes(16).toString('hex');
  const flags = parentContext ? (parentContext.traceFlags & 0xff).toString(16).padStart(2, '0') : '01';
  return `00-${traceId}-${randomBytes(8).toString('hex')}-${flags}`;
}

/**
 * The `traceparent` events appended here carry: the active span's when a tracing SDK made one (the HTTP
 * request's or the consumed message's span), else the message context's own child of the caller's trace.
 */
export function traceparentForEvents(context: MessageContext): string {
  return activeSpanTraceparent() ?? context.traceparent;
}

export function newMessageContext(correlationId: string = randomUUID(), traceparent?: string): MessageContext {
  return { correlationId, causationId: correlationId, traceparent: childTraceparent(traceparent) };
}
