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

// Span and trace ids are drawn from a pool filled 4 KiB at a time: every HTTP request makes one, and a
// randomBytes call each is a round into OpenSSL (crypto.randomUUID pools its entropy the same way).
const RANDOM_POOL_BYTES = 4096;
let randomPool = Buffer.alloc(0);
let randomOffset = 0;

function randomHex(bytes: number): string {
  if (randomOffset + bytes > randomPool.length) {
    randomPool = randomBytes(RANDOM_POOL_BYTES);
    randomOffset = 0;
  }
  const hex = randomPool.toString('hex', randomOffset, randomOffset + bytes);
  randomOffset += bytes;
  return hex;
}

/** A child span of `parent` (or a new trace): same trace id, new parent id. Used when no tracing SDK makes real spans. */
export function childTraceparent(parent?: string): string {
  const parentContext = parseTraceparent(parent);
  const traceId = parentContext ? parentContext.traceId : randomHex(16);
  const flags = parentContext ? (parentContext.traceFlags & 0xff).toString(16).padStart(2, '0') : '01';
  return `00-${traceId}-${randomHex(8)}-${flags}`;
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
