import { context, trace, TraceFlags } from '@opentelemetry/api';
import { childTraceparent, newMessageContext, traceparentForEvents } from '../context/message-context';
import { activeSpanTraceparent, contextOfTraceparent, formatTraceparent, linkToTraceparent, parseTraceparent } from './tracing';
import { isUntracedIncomingRequest, requestedExporters } from './tracing-sdk';

const TRACE = '0af7651916cd43dd8448eb211c80319c';
const SPAN = 'b7ad6b7169203331';

describe('traceparent parsing and formatting (W3C Trace Context)', () => {
  it('reads trace id, parent id and flags, and marks the context remote', () => {
    expect(parseTraceparent(`00-${TRACE}-${SPAN}-01`)).toEqual({ traceId: TRACE, spanId: SPAN, traceFlags: TraceFlags.SAMPLED, isRemote: true });
    expect(parseTraceparent(`00-${TRACE}-${SPAN}-00`)?.traceFlags).toBe(TraceFlags.NONE);
  });

  it.each([
    ['not a string', 42],
    ['garbage', 'not-a-trace'],
    ['upper-case hex', `00-${TRACE.toUpperCase()}-${SPAN}-01`],
    ['an all-zero trace id', `00-${'0'.repeat(32)}-${SPAN}-01`],
    ['an all-zero parent id', `00-${TRACE}-${'0'.repeat(16)}-01`],
    ['the forbidden version ff', `ff-${TRACE}-${SPAN}-01`],
    ['extra fields on version 00', `00-${TRACE}-${SPAN}-01-extra`],
    ['a short trace id', `00-${TRACE.slice(1)}-${SPAN}-01`],
  ])('refuses %s', (_what, value) => {
    expect(parseTraceparent(value)).toBeUndefined();
  });

  it('accepts a future version with more fields, keeping the four it knows', () => {
    expect(parseTraceparent(`01-${TRACE}-${SPAN}-01-what-comes-next`)).toMatchObject({ traceId: TRACE, spanId: SPAN });
  });

  it('formats what it parses back to the same header', () => {
    for (const header of [`00-${TRACE}-${SPAN}-01`, `00-${TRACE}-${SPAN}-00`]) expect(formatTraceparent(parseTraceparent(header)!)).toBe(header);
  });

  it('links only to a valid traceparent', () => {
    expect(linkToTraceparent(`00-${TRACE}-${SPAN}-01`, { 'messaging.message.id': 'e-1' })).toEqual({
      context: { traceId: TRACE, spanId: SPAN, traceFlags: 1, isRemote: true },
      attributes: { 'messaging.message.id': 'e-1' },
    });
    expect(linkToTraceparent(undefined)).toBeUndefined();
  });
});

describe('trace continuation without an SDK', () => {
  it('makes a child of a given traceparent: same trace and flags, new parent id', () => {
    const child = parseTraceparent(childTraceparent(`00-${TRACE}-${SPAN}-00`))!;
    expect(child.traceId).toBe(TRACE);
    expect(child.spanId).not.toBe(SPAN);
    expect(child.traceFlags).toBe(TraceFlags.NONE);
  });

  it('starts a new sampled trace from nothing or from an invalid header', () => {
    for (const parent of [undefined, 'x', `00-${'0'.repeat(32)}-${SPAN}-01`]) {
      expect(childTraceparent(parent)).toMatch(/^00-(?!0{32})[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    }
  });

  it('does not take the remote parent the no-op tracer hands back for the active span', async () => {
    const parent = contextOfTraceparent(`00-${TRACE}-${SPAN}-01`);
    await trace.getTracer('test').startActiveSpan('consume', {}, parent, async (span) => {
      expect(span.isRecording()).toBe(false);
      expect(activeSpanTraceparent()).toBeUndefined();
      const messageContext = newMessageContext('corr', `00-${TRACE}-${SPAN}-01`);
      expect(traceparentForEvents(messageContext)).toBe(messageContext.traceparent);
      span.end();
    });
  });

  it('takes a local active span context as the events parent', () => {
    const local = trace.wrapSpanContext({ traceId: TRACE, spanId: SPAN, traceFlags: TraceFlags.SAMPLED });
    const active = trace.setSpan(context.active(), local);
    expect(activeSpanTraceparent(active)).toBe(`00-${TRACE}-${SPAN}-01`);
  });
});

describe('which exporters the OpenTelemetry variables ask for', () => {
  it('stays off with no variable', () => {
    expect(requestedExporters({})).toEqual([]);
  });

  it('exports over OTLP when an endpoint is set', () => {
    expect(requestedExporters({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toEqual(['otlp']);
    expect(requestedExporters({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' })).toEqual(['otlp']);
  });

  it('follows OTEL_TRACES_EXPORTER, a comma-separated list', () => {
    expect(requestedExporters({ OTEL_TRACES_EXPORTER: 'console' })).toEqual(['console']);
    expect(requestedExporters({ OTEL_TRACES_EXPORTER: ' OTLP , console,otlp' })).toEqual(['otlp', 'console']);
    expect(requestedExporters({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toEqual([]);
  });

  it('is turned off by OTEL_SDK_DISABLED=true', () => {
    expect(requestedExporters({ OTEL_SDK_DISABLED: 'true', OTEL_TRACES_EXPORTER: 'otlp' })).toEqual([]);
  });

  it('names an exporter it cannot start', () => {
    expect(() => requestedExporters({ OTEL_TRACES_EXPORTER: 'otlp,zipkin' })).toThrow(/OTEL_TRACES_EXPORTER.*zipkin/);
  });
});

describe('what the SDK leaves untraced', () => {
  it('leaves health checks, scrapes and Kinesis API calls to the embedded engine untraced', () => {
    expect(isUntracedIncomingRequest({ url: '/health/ready', headers: {} })).toBe(true);
    expect(isUntracedIncomingRequest({ url: '/metrics', headers: {} })).toBe(true);
    expect(isUntracedIncomingRequest({ url: '/', headers: { 'x-amz-target': 'Kinesis_20131202.GetRecords' } })).toBe(true);
    expect(isUntracedIncomingRequest({ url: '/users', headers: {} })).toBe(false);
    expect(isUntracedIncomingRequest({ url: '/healthy-things', headers: {} })).toBe(false);
  });
});
