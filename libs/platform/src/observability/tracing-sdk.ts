import type { IncomingMessage } from 'node:http';
import { context, propagation, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { detectResources, envDetector, hostDetector, processDetector, Resource, resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, ConsoleSpanExporter, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';

export const DEFAULT_SERVICE_NAME = 'nestjs-kinesis-eda';

/** Up to this many events ride in one PutRecords call (without aggregation); its span links to each. */
const DEFAULT_LINK_COUNT_LIMIT = 500;

type Env = Record<string, string | undefined>;

/**
 * The span exporters the standard OpenTelemetry variables ask for: OTEL_TRACES_EXPORTER (`otlp`, `console`,
 * `none`; comma-separated), else OTLP when an OTLP endpoint is set, else none (tracing stays off).
 * OTEL_SDK_DISABLED=true turns everything off.
 */
export function requestedExporters(env: Env): Array<'otlp' | 'console'> {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return [];
  const listed = (env.OTEL_TRACES_EXPORTER ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name !== '');
  if (listed.length === 0) return env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ? ['otlp'] : [];
  if (listed.includes('none')) return [];
  const unknown = listed.filter((name) => name !== 'otlp' && name !== 'console');
  if (unknown.length > 0) throw new Error(`OTEL_TRACES_EXPORTER: unsupported exporter(s) ${unknown.join(', ')} (use otlp, console or none)`);
  return [...new Set(listed)] as Array<'otlp' | 'console'>;
}

/** service.name from OTEL_SERVICE_NAME, else OTEL_RESOURCE_ATTRIBUTES, else ours; plus host and process attributes. */
export function tracingResource(): Resource {
  return resourceFromAttributes({ 'service.name': DEFAULT_SERVICE_NAME }).merge(detectResources({ detectors: [envDetector, hostDetector, processDetector] }));
}

function exporter(name: 'otlp' | 'console'): SpanExporter {
  // The OTLP exporter reads OTEL_EXPORTER_OTLP_[TRACES_]ENDPOINT, _HEADERS and _TIMEOUT itself (http/json).
  return name === 'otlp' ? new OTLPTraceExporter() : new ConsoleSpanExporter();
}

const UNTRACED_PATHS = /^\/(health|metrics)(\/|\?|$)/;

/**
 * Incoming requests that get no server span: health checks and scrapes, and Kinesis API calls (X-Amz-Target),
 * which reach this process only when it hosts the embedded Kinesis engine.
 */
export function isUntracedIncomingRequest(request: Pick<IncomingMessage, 'url' | 'headers'>): boolean {
  return UNTRACED_PATHS.test(request.url ?? '') || request.headers['x-amz-target'] !== undefined;
}

export interface StartedTracing {
  provider: NodeTracerProvider;
  exporters: Array<'otlp' | 'console'>;
  serviceName: string;
  /** Flushes the spans still buffered and stops tracing. */
  shutdown(): Promise<void>;
}

/**
 * Starts the OpenTelemetry SDK when the environment asks for an exporter; returns undefined otherwise (the API
 * stays a no-op). Must run before `http` and `pg` are first required, so the instrumentations can patch them.
 * Incoming HTTP requests get server spans (see isUntracedIncomingRequest for those that do not); outgoing calls (Kinesis) and
 * queries are traced only inside a span, so the consumers' idle polling adds no traces of its own.
 */
export function startTracing(env: Env = process.env): StartedTracing | undefined {
  const exporters = requestedExporters(env);
  if (exporters.length === 0) return undefined;
  const resource = tracingResource();
  const provider = new NodeTracerProvider({
    resource,
    spanProcessors: exporters.map((name) => new BatchSpanProcessor(exporter(name))),
    spanLimits: env.OTEL_SPAN_LINK_COUNT_LIMIT ? undefined : { linkCountLimit: DEFAULT_LINK_COUNT_LIMIT },
  });
  // Global tracer provider, AsyncLocalStorage context manager, W3C traceparent + baggage propagators.
  provider.register();
  const unregisterInstrumentations = registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: isUntracedIncomingRequest,
        requireParentforOutgoingSpans: true,
      }),
      new PgInstrumentation({ requireParentSpan: true }),
    ],
  });
  return {
    provider,
    exporters,
    serviceName: String(resource.attributes['service.name']),
    async shutdown() {
      unregisterInstrumentations();
      try {
        await provider.shutdown();
      } finally {
        trace.disable();
        context.disable();
        propagation.disable();
      }
    },
  };
}
