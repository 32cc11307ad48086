import {
  Attributes,
  context,
  Context,
  isSpanContextValid,
  Link,
  ROOT_CONTEXT,
  Span,
  SpanContext,
  SpanKind,
  SpanOptions,
  SpanStatusCode,
  trace,
  Tracer,
} from '@opentelemetry/api';

/**
 * Tracing through the OpenTelemetry API only: without a started SDK (tracing-sdk.ts) every call is a no-op,
 * so the platform traces unconditionally and pays nothing when no exporter is configured.
 */
export const TRACER_NAME = '@eda/platform';

/** Every span on the bus names the same messaging system (OpenTelemetry semantic conventions). */
export const MESSAGING_SYSTEM = 'aws_kinesis';

export function tracer(): Tracer {
  return trace.getTracer(TRACER_NAME);
}

// W3C Trace Context: version-traceid-parentid-flags; a future version may append fields after a dash.
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/** The span context a `traceparent` names (marked remote: it was made elsewhere), or undefined when it is not a valid one. */
export function parseTraceparent(value: unknown): SpanContext | undefined {
  if (typeof value !== 'string') return undefined;
  const match = TRACEPARENT.exec(value.trim());
  if (!match) return undefined;
  const [, version, traceId, spanId, flags, rest] = match;
  // Version ff is forbidden; version 00 has exactly four fields.
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  const spanContext: SpanContext = { traceId, spanId, traceFlags: parseInt(flags, 16), isRemote: true };
  return isSpanContextValid(spanContext) ? spanContext : undefined;
}

export function formatTraceparent(spanContext: SpanContext): string {
  const flags = (spanContext.traceFlags & 0xff).toString(16).padStart(2, '0');
  return `00-${spanContext.traceId}-${spanContext.spanId}-${flags}`;
}

/**
 * The `traceparent` of the span active here, when it is one of ours. A remote context does not count: with no
 * SDK the no-op tracer hands the parent's context back as the "span", and an event must not claim the
 * producer's span as its own parent.
 */
export function activeSpanTraceparent(active: Context = context.active()): string | undefined {
  const spanContext = trace.getSpan(active)?.spanContext();
  if (!spanContext || spanContext.isRemote || !isSpanContextValid(spanContext)) return undefined;
  return formatTraceparent(spanContext);
}

/** A context whose parent is the span a `traceparent` names; the root context when there is none (a new trace). */
export function contextOfTraceparent(traceparent: unknown): Context {
  const parent = parseTraceparent(traceparent);
  return parent ? trace.setSpanContext(ROOT_CONTEXT, parent) : ROOT_CONTEXT;
}

/** A link to the span a `traceparent` names, for work caused by many messages at once. */
export function linkToTraceparent(traceparent: unknown, attributes?: Attributes): Link | undefined {
  const parent = parseTraceparent(traceparent);
  return parent ? { context: parent, attributes } : undefined;
}

export function recordSpanFailure(span: Span, error: unknown): void {
  span.recordException(error instanceof Error ? error : String(error));
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
}

/** Runs `work` in a new active span under `parent`; a thrown error marks the span failed and is rethrown. */
export function inSpan<T>(name: string, options: SpanOptions, parent: Context, work: (span: Span) => Promise<T>): Promise<T> {
  return tracer().startActiveSpan(name, options, parent, async (span) => {
    try {
      return await work(span);
    } catch (error) {
      recordSpanFailure(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}

/** What a consumed message's span records (the CloudEvent and where it was read). */
export interface ConsumedMessageSpan {
  handler: string;
  event: { id: string; type: string; source: string; subject?: string; specversion?: string; traceparent?: unknown };
  stream?: string;
  shardId?: string;
  consumerGroup?: string;
}

/**
 * Runs a consumed message's handler in a CONSUMER span whose parent is the event's `traceparent`, so the
 * trace goes on across the bus. When the handler runs inside another span of ours (a dead letter retried over
 * HTTP), that span is linked: it caused this run without being the message's producer.
 */
export function inConsumerSpan<T>(message: ConsumedMessageSpan, work: (span: Span) => Promise<T>): Promise<T> {
  const { event } = message;
  const attributes: Attributes = {
    'messaging.system': MESSAGING_SYSTEM,
    'messaging.operation.type': 'process',
    'messaging.operation.name': 'process',
    'messaging.message.id': event.id,
    'cloudevents.event_id': event.id,
    'cloudevents.event_type': event.type,
    'cloudevents.event_source': event.source,
    'eda.handler': message.handler,
  };
  if (message.stream !== undefined) attributes['messaging.destination.name'] = message.stream;
  if (message.shardId !== undefined) attributes['messaging.destination.partition.id'] = message.shardId;
  if (message.consumerGroup !== undefined) attributes['messaging.consumer.group.name'] = message.consumerGroup;
  if (event.subject !== undefined) attributes['cloudevents.event_subject'] = event.subject;
  if (event.specversion !== undefined) attributes['cloudevents.event_spec_version'] = event.specversion;
  const caller = activeSpanTraceparent();
  const links = caller ? [linkToTraceparent(caller)!] : [];
  return inSpan(`process ${event.type}`, { kind: SpanKind.CONSUMER, attributes, links }, contextOfTraceparent(event.traceparent), work);
}
