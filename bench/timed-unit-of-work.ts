import { DataSource } from 'typeorm';
import { type CloudEvent, type ContextStorage, contextStoreMigrations, DatabaseTopology, EventLogAppender, platformStorage, ShardPosition, SystemClock, TransactionScope, UnitOfWork, UuidGenerator } from '@eda/platform';

/** Notes when each delivery's transaction (inbox row + effect) has committed, per handler: the end of the measured path. */
export class TimedUnitOfWork extends UnitOfWork {
  /** Handler → message id → when its effect committed (performance.now()). */
  readonly appliedAt = new Map<string, Map<string, number>>();
  /** When each delivery's transaction ran: [start, end] (performance.now()), the consumer's applying time. */
  readonly working: Array<[number, number]> = [];

  appliedBy(handler: string): Map<string, number> {
    let applied = this.appliedAt.get(handler);
    if (!applied) this.appliedAt.set(handler, (applied = new Map()));
    return applied;
  }

  override async runOnce(handler: string, message: CloudEvent, work: (tx: TransactionScope) => Promise<void>, position?: ShardPosition): Promise<boolean> {
    const started = performance.now();
    const applied = await super.runOnce(handler, message, work, position);
    this.working.push([started, performance.now()]);
    if (applied) this.appliedBy(handler).set(message.id, performance.now());
    return applied;
  }

  override async runBatch(handler: string, messages: CloudEvent[], work: (message: CloudEvent, tx: TransactionScope) => Promise<void>, position?: ShardPosition, options?: Parameters<UnitOfWork['runBatch']>[4]): Promise<boolean[]> {
    const started = performance.now();
    const applied = await super.runBatch(handler, messages, work, position, options);
    const now = performance.now();
    this.working.push([started, now]);
    applied.forEach((wasApplied, i) => wasApplied && this.appliedBy(handler).set(messages[i].id, now));
    return applied;
  }
}

/** The producer's and the sink's schemas a latency bench times between, beside the platform's. */
export const PRODUCER = 'bench';
export const SINK = 'sink';
export const producerAndSinkStorages: ContextStorage[] = [
  platformStorage,
  { name: PRODUCER, entities: [], migrations: contextStoreMigrations },
  { name: SINK, entities: [], migrations: contextStoreMigrations },
];

/**
 * The two ends a latency bench times: a producer's unit of work noting when each event committed, and a sink's
 * timed unit of work noting when each effect committed. `close` ends both pools.
 */
export async function producerAndSink(
  topology: DatabaseTopology,
  producerContext: string,
  sinkContext: string,
  producerPoolSize: number,
): Promise<{ producer: UnitOfWork; sink: TimedUnitOfWork; sinkSource: DataSource; committedAt: Map<string, number>; close(): Promise<void> }> {
  const appender = new EventLogAppender(new SystemClock(), new UuidGenerator());
  const producerSource = new DataSource({ type: 'postgres', url: topology.access(producerContext).url, schema: producerContext, extra: { max: producerPoolSize } });
  const sinkSource = new DataSource({ type: 'postgres', url: topology.access(sinkContext).url, schema: sinkContext, extra: { max: 20 } });
  await producerSource.initialize();
  await sinkSource.initialize();
  const producer = new UnitOfWork(producerContext, producerSource, appender);
  const committedAt = new Map<string, number>();
  producer.onCommitted((_, events) => {
    const now = performance.now();
    for (const e of events) committedAt.set(e.event.id, now);
  });
  const sink = new TimedUnitOfWork(sinkContext, sinkSource, appender);
  return { producer, sink, sinkSource, committedAt, close: async () => { await producerSource.destroy(); await sinkSource.destroy(); } };
}
