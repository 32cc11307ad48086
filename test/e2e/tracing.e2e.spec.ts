import { context, propagation, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { eventually } from '@eda/platform/testing';
import { streamContractProblems } from '../support/stream-contract';
import { startTestApp, TestApp } from '../support/test-app';

/** With tracing on, the span a request runs in is named by its route and carries the trace into its events. */
describe('tracing of HTTP requests', () => {
  let t: TestApp;
  const exporter = new InMemorySpanExporter();
  const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });

  beforeAll(async () => {
    provider.register();
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
    await provider.shutdown();
    trace.disable();
    context.disable();
    propagation.disable();
  });

  it('names the request span by its route and makes it the parent of the events the request appends', async () => {
    const tracer = trace.getTracer('test');
    const { body: user, traceId } = await tracer.startActiveSpan('incoming request', async (span) => {
      const res = await t.request('POST', '/users', { email: 'trace@example.com', username: 'tracer', firstName: 'T', lastName: 'R' });
      span.end();
      return { body: res.body, traceId: span.spanContext().traceId };
    });
    await tracer.startActiveSpan('incoming request', async (span) => {
      await t.request('GET', `/users/${user.id}`);
      span.end();
    });
    const names = exporter.getFinishedSpans().map((s) => s.name);
    expect(names).toEqual(expect.arrayContaining(['POST /users', 'GET /users/:id']));
    const post = exporter.getFinishedSpans().find((s) => s.name === 'POST /users')!;
    expect(post.attributes['http.route']).toBe('/users');

    // GET /events lists a row once every older transaction of the server has ended (a parallel suite's may still be open).
    const [event] = await eventually('the event is listed', async () => {
      const listed = (await t.request('GET', `/events?subject=${user.id}`)).body.items as Array<{ traceparent?: string }>;
      expect(listed.length).toBeGreaterThan(0);
      return listed;
    }, 15_000, 100);
    expect(event.traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-0[01]$`));
  });

  it('put only records that match the AsyncAPI document on the streams (docs/adr/0020-asyncapi-contract.md)', async () => {
    expect(await streamContractProblems(t)).toEqual([]);
  });
});
