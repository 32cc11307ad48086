import { Pool, PoolClient } from 'pg';
import { DataSource } from 'typeorm';
import { SystemClock, UuidGenerator } from '../context/clock';
import { EventLogAppender } from '../event-log/event-log-appender';
import { createTestDatabase, TestDatabase } from '../testing';
import { provisionTestStores, TEST_CONTEXT, TEST_HANDLER, TEST_STREAM, thingEvent } from '../testing/consumer-test-kit';
import type { CloudEvent } from '../event-log/cloud-event';
import { ShardPosition, TransactionScope, UnitOfWork } from './unit-of-work';

/**
 * A batch transaction's lock rules on real PostgreSQL (docs/adr/0017-batched-consumer-transactions.md): the work of a
 * batch gives up on a lock held elsewhere after the batch's lock timeout (the dispatcher then applies the messages one
 * by one, and those wait), while the shard position row, held by another lane of the same shard until it commits, is
 * waited for. Both settings ride in statements the batch sends anyway.
 */
describe('UnitOfWork.runBatch lock rules', () => {
  let db: TestDatabase;
  let alpha: Pool;
  let dataSource: DataSource;
  let uow: UnitOfWork;
  let holder: PoolClient;

  beforeAll(async () => {
    db = await createTestDatabase();
    const topology = await provisionTestStores(db.url);
    alpha = new Pool({ connectionString: topology.access(TEST_CONTEXT).url, max: 3 });
    dataSource = new DataSource({ type: 'postgres', url: topology.access(TEST_CONTEXT).url, schema: TEST_CONTEXT, extra: { max: 3 } });
    await dataSource.initialize();
    uow = new UnitOfWork(TEST_CONTEXT, dataSource, new EventLogAppender(new SystemClock(), new UuidGenerator()));
  });
  afterAll(async () => {
    await dataSource.destroy();
    await alpha.end();
    await db.drop();
  });
  beforeEach(async () => {
    holder = await alpha.connect();
  });
  afterEach(async () => {
    await holder.query('ROLLBACK');
    holder.release();
  });

  const position = (sequenceNumber: string): ShardPosition => ({ consumerGroup: 'g', stream: TEST_STREAM, shardId: 'shardId-000000000000', sequenceNumber });
  const writeEffect = async (event: CloudEvent, tx: TransactionScope): Promise<void> => {
    await tx.manager.query(`INSERT INTO effects (message_id, partition_key, seq, worker, latency_ms) VALUES ($1, $2, $3, 'w', 0)`, [event.id, event.partitionkey, 0]);
  };

  it('gives up on a lock its work waits for past the lock timeout, committing nothing', async () => {
    await holder.query('BEGIN');
    await holder.query('LOCK TABLE effects IN ACCESS EXCLUSIVE MODE');
    const events = [thingEvent('k1', 0), thingEvent('k2', 0)];
    // The holder never lets go while the batch runs: a batch that waited would hang here.
    await expect(uow.runBatch(TEST_HANDLER, events, writeEffect, position('100'), { lockTimeoutMs: 100 })).rejects.toMatchObject({ code: '55P03' });
    const { rows } = await alpha.query(`SELECT count(*)::int AS n FROM inbox WHERE message_id = ANY($1)`, [events.map((e) => e.id)]);
    expect(rows[0].n).toBe(0);
  });

  it('waits for the shard position row held by another transaction, however long, and then commits', async () => {
    await uow.runBatch(TEST_HANDLER, [thingEvent('k3', 0), thingEvent('k4', 0)], writeEffect, position('200'));
    await holder.query('BEGIN');
    await holder.query(`SELECT 1 FROM consumer_positions WHERE handler = $1 FOR UPDATE`, [TEST_HANDLER]);
    const events = [thingEvent('k5', 0), thingEvent('k6', 0)];
    let settled = false;
    const batch = uow.runBatch(TEST_HANDLER, events, writeEffect, position('300'), { lockTimeoutMs: 100 }).finally(() => (settled = true));
    // Five lock timeouts later the batch is still waiting for the position row, not failed.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(settled).toBe(false);
    await holder.query('COMMIT');
    await expect(batch).resolves.toEqual([true, true]);
    const { rows } = await alpha.query(`SELECT sequence_number::text AS s FROM consumer_positions WHERE handler = $1`, [TEST_HANDLER]);
    expect(rows).toEqual([{ s: '300' }]);
  });
});
