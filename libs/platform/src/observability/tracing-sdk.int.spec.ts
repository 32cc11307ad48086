import { createServer, IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SpanKind } from '@opentelemetry/api';
import { eventually } from '../testing';
import { inConsumerSpan } from './tracing';
import { DEFAULT_SERVICE_NAME, startTracing, StartedTracing, tracingResource } from './tracing-sdk';

interface ReceivedExport {
  path: string;
  contentType: string | undefined;
  body: {
    resourceSpans: Array<{
      resource: { attributes: Array<{ key: string; value: { stringValue?: string } }> };
      scopeSpans: Array<{ spans: Array<{ name: string; kind: number; traceId: string; parentSpanId?: string }> }>;
    }>;
  };
}

const OTEL_VARIABLES = ['OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_SERVICE_NAME', 'OTEL_RESOURCE_ATTRIBUTES'] as const;

describe('the tracing SDK started from the OpenTelemetry variables', () => {
  const saved = Object.fromEntries(OTEL_VARIABLES.map((key) => [key, process.env[key]]));
  afterEach(() => {
    for (const key of OTEL_VARIABLES) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
  });

  describe('exporting over OTLP/HTTP to a collector', () => {
    // A real HTTP endpoint standing in for the collector: it keeps what the exporter posts.
    const received: ReceivedExport[] = [];
    let collector: Server;
    let tracing: StartedTracing | undefined;

    beforeAll(async () => {
      collector = createServer((request: IncomingMessage, response) => {
        let body = '';
        request.on('data', (chunk) => (body += chunk));
        request.on('end', () => {
          received.push({ path: request.url ?? '', contentType: request.headers['content-type'], body: JSON.parse(body) });
          response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
        });
      });
      await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    });
    afterAll(async () => {
      await tracing?.shutdown();
      await new Promise((resolve) => collector.close(resolve));
    });

    it('sends the spans, named for the service, to <endpoint>/v1/traces when stopped', async () => {
      process.env.OTEL_EXPORTER_OTLP_ENDPOINT = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
      process.env.OTEL_SERVICE_NAME = 'eda-under-test';
      tracing = startTracing(process.env);
      expect(tracing?.exporters).toEqual(['otlp']);
      expect(tracing?.serviceName).toBe('eda-under-test');

      const parent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
      await inConsumerSpan({ handler: 'h', event: { id: 'e-1', type: 'users.UserRegistered', source: 'users', traceparent: parent } }, async () => undefined);
      await tracing!.shutdown();
      tracing = undefined;

      const sent = await eventually('the collector received the span', () => {
        expect(received.length).toBeGreaterThan(0);
        return received;
      });
      expect(sent[0].path).toBe('/v1/traces');
      expect(sent[0].contentType).toMatch(/application\/json/);
      const [resourceSpans] = sent[0].body.resourceSpans;
      expect(resourceSpans.resource.attributes).toContainEqual({ key: 'service.name', value: { stringValue: 'eda-under-test' } });
      // OTLP numbers span kinds from 1 (0 is UNSPECIFIED); the API from 0.
      expect(resourceSpans.scopeSpans.flatMap((scope) => scope.spans)).toContainEqual(
        expect.objectContaining({ name: 'process users.UserRegistered', kind: SpanKind.CONSUMER + 1, traceId: '4bf92f3577b34da6a3ce929d0e0e4736', parentSpanId: '00f067aa0ba902b7' }),
      );
    });
  });

  it('starts nothing when no exporter is asked for', () => {
    expect(startTracing({})).toBeUndefined();
  });

  describe('service.name', () => {
    it('is ours by default', () => {
      delete process.env.OTEL_SERVICE_NAME;
      delete process.env.OTEL_RESOURCE_ATTRIBUTES;
      expect(tracingResource().attributes['service.name']).toBe(DEFAULT_SERVICE_NAME);
    });

    it('comes from OTEL_RESOURCE_ATTRIBUTES, and OTEL_SERVICE_NAME wins over it', () => {
      process.env.OTEL_RESOURCE_ATTRIBUTES = 'service.name=from-attributes,deployment.environment=staging';
      delete process.env.OTEL_SERVICE_NAME;
      expect(tracingResource().attributes).toMatchObject({ 'service.name': 'from-attributes', 'deployment.environment': 'staging' });
      process.env.OTEL_SERVICE_NAME = 'orders-worker';
      expect(tracingResource().attributes['service.name']).toBe('orders-worker');
    });
  });
});
