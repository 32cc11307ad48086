import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { DataSource } from 'typeorm';
import { SystemClock, UuidGenerator } from '../context/clock';
import { DatabaseTopology } from '../database/database-topology';
import { provisionDatabase } from '../provision-database';
import { UnitOfWork } from '../database/unit-of-work';
import type { CloudEvent } from '../event-log/cloud-event';
import { contextStoreMigrations } from '../context-store-migrations';
import { EventLogAppender } from '../event-log/event-log-appender';
import { domainEvent } from '../event-log/outgoing-message';
import { createKinesisClient } from '../kinesis/kinesis-connection';
import { StreamProvisioner } from '../kinesis/stream-provisioner';
import { OrderedPublisher } from '../relay/ordered-publisher';
import { RelayMetrics } from '../relay/relay-metrics';
import type { RelayRecord } from '../relay/relay-record';
import { createTestDatabase, eventually, testKinesisEndpoint, TestDatabase, uniqueName } from '../testing';
import { MetricsService } from './metrics.service';
import { formatTraceparent, parseTraceparent } from './tracing';

const storages = ['platform', 'alpha'].map((name) => ({ name, entities: [], migrations: contextStoreMigrations }));
const PRODUCER_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const PRODUCER_SPAN = '00f067aa0ba902b7';

function consumedEvent(id: string, traceparent = `00-${PRODUCER_TRACE}-${PRODUCER_SPAN}-01`): CloudEvent {
  return {
    specversion: '1.0',
    id,
    source: 'beta',
    type: 'beta.ThingShipped',
    subject: 'thing-1',
    time: new Date().toISOString(),
    datacontenttype: 'application/json',
    data: {},
    partitionkey: 'thing-1',
    correlationid: 'corr-1',
    causationid: 'cause-1',
    traceparent,
  };
}

describe('tracing across the unit of work and the relay (OpenTelemetry SDK, in-memory exporter)', () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  let uow: UnitOfWork;

  beforeAll(async () => {
    db = await createTestDatabase();
    const topology = new DatabaseTopology(db.url);
    await provisionDatabase(topology, storages);
    dataSource = new DataSource({ type: 'postgres', url: topology.access('alpha').url, schema: 'alpha' });
    await dataSource.initialize();
    uow = new UnitOfWork('alpha', dataSource, new EventLogAppender(new SystemClock(), new UuidGenerator()));
  });
  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });

  async function envelopeOf(subject: string): Promise<CloudEvent> {
    const rows = await dataSource.query('SELECT envelope FROM alpha.event_log WHERE subject = $1', [subject]);
    expect(rows).toHaveLength(1);
    return rows[0].envelope;
  }

  describe('with no SDK started', () => {
    it('gives an event appended by a consumed message a new span id on the message trace', async () => {
      await uow.runOnce('no-sdk-handler', consumedEvent('m-no-sdk'), async (tx) => tx.publish(domainEvent('alpha', 'Reacted', 'no-sdk', {})));
      const appended = parseTraceparent((await envelopeOf('no-sdk')).traceparent);
      expect(appended?.traceId).toBe(PRODUCER_TRACE);
      expect(appended?.spanId).not.toBe(PRODUCER_SPAN);
    });
  });

  describe('with an SDK registered', () => {
    const exporter = new InMemorySpanExporter();
    let provider: NodeTracerProvider;

    beforeAll(() => {
      provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
      provider.register();
    });
    afterAll(async () => {
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    });
    beforeEach(() => exporter.reset());

    const spansOfKind = (kind: SpanKind): ReadableSpan[] => exporter.getFinishedSpans().filter((s) => s.kind === kind);

    it('makes the active span the parent of the events a unit of work appends', async () => {
      const tracer = trace.getTracer('test');
      const requestSpan = await tracer.startActiveSpan('POST /things', { kind: SpanKind.SERVER }, async (span) => {
        await uow.run(async (tx) => tx.publish(domainEvent('alpha', 'ThingMade', 'in-span', {})));
        span.end();
        return span;
      });
      const event = await envelopeOf('in-span');
      expect(event.traceparent).toBe(formatTraceparent(requestSpan.spanContext()));
      expect(parseTraceparent(event.traceparent)?.traceId).toBe(requestSpan.spanContext().traceId);
    });

    it('handles a consumed message in a CONSUMER span under its traceparent, and its events carry that span', async () => {
      const message = consumedEvent('m-traced');
      const position = { consumerGroup: 'group-a', stream: 'beta-events', shardId: 'shardId-000000000001', sequenceNumber: '42' };
      const applied = await uow.runOnce('alpha.ship-reaction', message, async (tx) => tx.publish(domainEvent('alpha', 'Reacted', 'traced', {})), position);
      expect(applied).toBe(true);

      const [span] = spansOfKind(SpanKind.CONSUMER);
      expect(span.name).toBe('process beta.ThingShipped');
      expect(span.spanContext().traceId).toBe(PRODUCER_TRACE);
      expect(span.parentSpanContext?.spanId).toBe(PRODUCER_SPAN);
      expect(span.attributes).toMatchObject({
        'messaging.system': 'aws_kinesis',
        'messaging.destination.name': 'beta-events',
        'messaging.destination.partition.id': 'shardId-000000000001',
        'messaging.consumer.group.name': 'group-a',
        'messaging.message.id': 'm-traced',
        'cloudevents.event_type': 'beta.ThingShipped',
        'cloudevents.event_source': 'beta',
        'eda.handler': 'alpha.ship-reaction',
        'eda.inbox.duplicate': false,
      });
      expect((await envelopeOf('traced')).traceparent).toBe(formatTraceparent(span.spanContext()));
    });

    it('marks a redelivered message span as a duplicate', async () => {
      const message = consumedEvent('m-twice');
      await uow.runOnce('alpha.twice', message, async () => undefined);
      await uow.runOnce('alpha.twice', message, async () => undefined);
      expect(spansOfKind(SpanKind.CONSUMER).map((s) => s.attributes['eda.inbox.duplicate'])).toEqual([false, true]);
    });

    it('marks the span failed when the handler throws', async () => {
      await expect(uow.runOnce('alpha.failing', consumedEvent('m-fails'), async () => Promise.reject(new Error('handler broke')))).rejects.toThrow('handler broke');
      const [span] = spansOfKind(SpanKind.CONSUMER);
      expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: 'handler broke' });
      expect(span.events.map((e) => e.name)).toContain('exception');
    });

    it('starts a new trace for a message with no traceparent', async () => {
      await uow.runOnce('alpha.untraced', consumedEvent('m-untraced', 'not-a-traceparent'), async () => undefined);
      const [span] = spansOfKind(SpanKind.CONSUMER);
      expect(span.parentSpanContext).toBeUndefined();
      expect(span.spanContext().traceId).not.toBe(PRODUCER_TRACE);
    });

    it('gives each PutRecords call a PRODUCER span linked to the traces of the events it carries', async () => {
      const kinesis = createKinesisClient({ endpoint: testKinesisEndpoint(), region: 'us-east-1', description: 'test' });
      const prefix = `${uniqueName('trace')}-`;
      const publisher = new OrderedPublisher(
        kinesis,
        new StreamProvisioner(kinesis, { shards: 1, retentionHours: 24 }),
        { streamPrefix: prefix, maxCallsInFlight: 1, parking: { park: async () => undefined } },
        new RelayMetrics(new MetricsService()),
        () => undefined,
      );
      const traceparents = ['a', 'b', 'c'].map((c) => `00-${c.repeat(32)}-${c.repeat(16)}-01`);
      const record = (key: string, traceparent: string, position: string): RelayRecord => ({
        schema: 'alpha',
        position,
        stream: 'alpha-events',
        partitionKey: key,
        data: JSON.stringify({ ...consumedEvent(`e-${key}`, traceparent), partitionkey: key }),
      });
      try {
        // One call in flight: the first record goes alone, the next two (other keys) ride together in the second call.
        await publisher.push(record('k1', traceparents[0], '1'));
        await publisher.push(record('k2', traceparents[1], '2'));
        await publisher.push(record('k3', traceparents[2], '3'));
        await publisher.drain();
      } finally {
        await publisher.stop();
        kinesis.destroy();
      }

      const calls = await eventually('two PutRecords spans', () => {
        const spans = spansOfKind(SpanKind.PRODUCER);
        expect(spans).toHaveLength(2);
        return spans;
      }, 5_000);
      for (const span of calls) {
        expect(span.name).toBe(`send ${prefix}alpha-events`);
        expect(span.parentSpanContext).toBeUndefined();
        expect(span.attributes).toMatchObject({
          'messaging.system': 'aws_kinesis',
          'messaging.destination.name': 'alpha-events',
          'eda.kinesis.stream_name': `${prefix}alpha-events`,
          'eda.kinesis.failed_record_count': 0,
        });
      }
      const linked = calls.map((span) => span.links.map((link) => formatTraceparent(link.context)));
      expect(linked).toEqual([[traceparents[0]], [traceparents[1], traceparents[2]]]);
      expect(calls.map((span) => span.attributes['messaging.batch.message_count'])).toEqual([1, 2]);
      expect(calls[1].links.map((link) => link.attributes?.['messaging.message.id'])).toEqual(['e-k2', 'e-k3']);
    });
  });
});
