import { randomUUID } from 'node:crypto';
import { GetRecordsCommand, GetShardIteratorCommand, KinesisClient, ListShardsCommand, PutRecordsCommand, _Record } from '@aws-sdk/client-kinesis';
import type { KinesisStreamEvent } from 'aws-lambda';
import { Logger as NestLogger } from '@nestjs/common';
import { Pool } from 'pg';
import { UsersEventTypes } from '@eda/contracts';
import { CloudEvent, MetricsService, NotAKinesisEventError } from '@eda/platform';
import { createTestDatabase, kplAggregate, testCloudEvent, testKinesisClient, testKinesisEndpoint, TestDatabase, uniqueName } from '@eda/platform/testing';
import { createStream } from '../../../libs/platform/src/testing/consumer-test-kit';
import { bootLambda, createKinesisHandler, lambdaConfig } from './main';

const HANDLER = 'organizations.known-users';
const ACCOUNT_ARN = 'arn:aws:kinesis:us-east-1:123456789012:stream/';

/** The event Lambda's Kinesis event source mapping hands the function for records of one shard. */
function lambdaEvent(stream: string, shardId: string, records: _Record[]): KinesisStreamEvent {
  return {
    Records: records.map((r) => ({
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventID: `${shardId}:${r.SequenceNumber}`,
      eventName: 'aws:kinesis:record',
      invokeIdentityArn: 'arn:aws:iam::123456789012:role/eda-lambda',
      awsRegion: 'us-east-1',
      eventSourceARN: `${ACCOUNT_ARN}${stream}`,
      kinesis: {
        kinesisSchemaVersion: '1.0',
        partitionKey: r.PartitionKey!,
        sequenceNumber: r.SequenceNumber!,
        data: Buffer.from(r.Data!).toString('base64'),
        approximateArrivalTimestamp: r.ApproximateArrivalTimestamp!.getTime() / 1000,
      },
    })),
  };
}

const registered = (userId: string, username: string, key = userId): CloudEvent =>
  testCloudEvent('users', UsersEventTypes.UserRegistered, userId, { userId, email: `${username}@example.com`, username, firstName: 'First', lastName: 'Last' }, { partitionkey: key });
const updated = (userId: string, lastName: string, key = userId): CloudEvent =>
  testCloudEvent('users', UsersEventTypes.UserProfileUpdated, userId, { userId, firstName: 'First', lastName }, { partitionkey: key });
const json = (e: CloudEvent) => ({ key: e.partitionkey, data: Buffer.from(JSON.stringify(e)) });

describe('Lambda handler: Kinesis events through the app’s @OnMessage handlers', () => {
  let db: TestDatabase;
  let sql: Pool;
  let kinesis: KinesisClient;
  let stream: string;
  let shardId: string;
  const handler = () => lambda;
  let lambda: ReturnType<typeof createKinesisHandler>;
  let boots = 0;
  /** An invocation with time to spare, and one whose deadline has passed (a failing handler is not retried). */
  const plenty = { getRemainingTimeInMillis: () => 600_000, awsRequestId: 'req-plenty' };
  const late = { getRemainingTimeInMillis: () => 0, awsRequestId: 'req-late' };

  /** Puts records in order, then reads them back with GetRecords, as the event source mapping would. */
  async function putAndRead(records: Array<{ key: string; data: Buffer }>): Promise<_Record[]> {
    const put = await kinesis.send(new PutRecordsCommand({ StreamName: stream, Records: records.map((r) => ({ PartitionKey: r.key, Data: r.data })) }));
    expect(put.FailedRecordCount ?? 0).toBe(0);
    const { ShardIterator } = await kinesis.send(
      new GetShardIteratorCommand({ StreamName: stream, ShardId: shardId, ShardIteratorType: 'AT_SEQUENCE_NUMBER', StartingSequenceNumber: put.Records![0].SequenceNumber }),
    );
    const { Records = [] } = await kinesis.send(new GetRecordsCommand({ ShardIterator, Limit: records.length }));
    expect(Records.map((r) => r.SequenceNumber)).toEqual(put.Records!.map((r) => r.SequenceNumber));
    return Records;
  }

  const knownUser = async (userId: string) =>
    (await sql.query(`SELECT username, last_name FROM organizations.known_users WHERE user_id = $1`, [userId])).rows[0] ?? null;
  const inboxed = async (ids: string[]) =>
    Number((await sql.query(`SELECT count(*) FROM organizations.inbox WHERE handler = $1 AND message_id = ANY($2)`, [HANDLER, ids])).rows[0].count);
  /** Dead letters of a key (for one handler: orders.user-names takes the same users events and parks its own). */
  const deadLetters = async (key: string, handler?: string) =>
    (
      await sql.query(
        `SELECT handler, sequence_number, raw, error, attempts, status FROM platform.dead_letters
          WHERE partition_key = $1 AND ($2::text IS NULL OR handler = $2) ORDER BY id`,
        [key, handler ?? null],
      )
    ).rows;

  beforeAll(async () => {
    db = await createTestDatabase();
    sql = new Pool({ connectionString: db.url, max: 2 });
    kinesis = testKinesisClient();
    const prefix = `${uniqueName('s')}-`;
    stream = `${prefix}users-events`;
    await createStream(kinesis, stream, 1);
    shardId = (await kinesis.send(new ListShardsCommand({ StreamName: stream }))).Shards![0].ShardId!;
    const config = lambdaConfig({
      DATABASE_URL: db.url,
      KINESIS_ENDPOINT: testKinesisEndpoint(),
      STREAM_PREFIX: prefix,
      LOG_LEVEL: 'warn',
      DATABASE_POOL_SIZE: '3',
      CONSUMER_MAX_ATTEMPTS: '2',
      CONSUMER_RETRY_BASE_MS: '10',
    });
    lambda = createKinesisHandler(() => {
      boots++;
      return bootLambda(config);
    }, 1_000);
  });

  afterAll(async () => {
    await (await lambda?.app())?.close();
    await sql?.end();
    kinesis?.destroy();
    await db?.drop();
  });

  it('applies plain and KPL-aggregated records in key order, parks a poison record and a failing key with its follower', async () => {
    const u1 = randomUUID();
    const u2 = randomUUID();
    const poisonKey = `poison-${randomUUID()}`;
    const badKey = `bad-${randomUUID()}`;
    // A registration the handler cannot apply (user_id is a uuid column), and a follower of its key.
    const bad = [registered('not-a-uuid', 'bad', badKey), updated('not-a-uuid', 'Later', badKey)];
    const plain = [registered(u1, 'one'), updated(u1, 'One-Updated')];
    const packed = [registered(u2, 'two'), updated(u2, 'Two-Updated')];
    const records = await putAndRead([
      json(plain[0]),
      { key: u2, data: await kplAggregate(packed.map((e) => ({ partitionKey: u2, data: Buffer.from(JSON.stringify(e)) }))) },
      { key: poisonKey, data: Buffer.from('{not json') },
      json(bad[0]),
      json(bad[1]),
      json(plain[1]),
    ]);

    const result = await handler()(lambdaEvent(stream, shardId, records), plenty);

    expect(result).toEqual({ batchItemFailures: [] });
    expect(await knownUser(u1)).toEqual({ username: 'one', last_name: 'One-Updated' });
    expect(await knownUser(u2)).toEqual({ username: 'two', last_name: 'Two-Updated' });
    expect(await inboxed([...plain, ...packed].map((e) => e.id))).toBe(4);
    expect(await deadLetters(poisonKey)).toEqual([
      { handler: '(unparseable)', sequence_number: records[2].SequenceNumber, raw: '{not json', error: 'not JSON', attempts: 0, status: 'parked' },
    ]);
    const parked = await deadLetters(badKey, HANDLER);
    expect(parked.map((d) => [d.handler, d.sequence_number, d.attempts, d.status])).toEqual([
      [HANDLER, records[3].SequenceNumber, 2, 'parked'],
      [HANDLER, records[4].SequenceNumber, 0, 'parked'],
    ]);
    expect(parked[0].error).toMatch(/uuid/);
    expect(parked[1].error).toBe('parked behind an earlier message of its key');

    // A later invocation keeps the key parked: its next message goes behind, not through.
    const later = updated('not-a-uuid', 'Even-Later', badKey);
    const next = await putAndRead([json(later)]);
    expect(await handler()(lambdaEvent(stream, shardId, next), plenty)).toEqual({ batchItemFailures: [] });
    expect((await deadLetters(badKey, HANDLER)).map((d) => d.error)).toEqual([parked[0].error, 'parked behind an earlier message of its key', 'parked behind an earlier message of its key']);
  });

  it('reports the first unfinished record of a key as a batch item failure; the retried partial batch applies each message once, in order', async () => {
    const [a1, flaky, a2] = [randomUUID(), randomUUID(), randomUUID()];
    const events = [registered(a1, 'a1'), registered(flaky, 'flaky'), updated(flaky, 'Flaky-Updated'), registered(a2, 'a2')];
    const records = await putAndRead(events.map(json));
    // A transient fault for one key (as a lock timeout or a failover would be): the handler's insert fails.
    await sql.query(`
      CREATE FUNCTION organizations.lambda_test_fail() RETURNS trigger LANGUAGE plpgsql AS
        $$ BEGIN IF NEW.username = 'flaky' THEN RAISE EXCEPTION 'flaky is unavailable'; END IF; RETURN NEW; END $$;
      CREATE TRIGGER lambda_test_fail BEFORE INSERT ON organizations.known_users FOR EACH ROW EXECUTE FUNCTION organizations.lambda_test_fail()`);

    // Out of time: the failure is not retried or parked but left for Lambda, from the key's first message.
    const first = await handler()(lambdaEvent(stream, shardId, records), late);

    expect(first).toEqual({ batchItemFailures: [{ itemIdentifier: records[1].SequenceNumber }] });
    expect(await knownUser(a1)).toEqual({ username: 'a1', last_name: 'Last' });
    expect(await knownUser(a2)).toEqual({ username: 'a2', last_name: 'Last' });
    expect(await knownUser(flaky)).toBeNull();
    expect(await deadLetters(flaky)).toEqual([]);

    await sql.query(`DROP TRIGGER lambda_test_fail ON organizations.known_users; DROP FUNCTION organizations.lambda_test_fail()`);
    const metrics = (await handler().app()).get(MetricsService);
    const duplicatesBefore = await duplicates(metrics);

    // Lambda delivers again from the reported sequence number: the failed key's messages and every later one.
    const retry = await handler()(lambdaEvent(stream, shardId, records.slice(1)), plenty);

    expect(retry).toEqual({ batchItemFailures: [] });
    expect(await knownUser(flaky)).toEqual({ username: 'flaky', last_name: 'Flaky-Updated' });
    expect(await inboxed(events.map((e) => e.id))).toBe(4);
    // a2 came again and was absorbed by the inbox, not applied twice.
    expect((await duplicates(metrics)) - duplicatesBefore).toBe(1);
  });

  it('reports a failing key inside a KPL-aggregated record by that record; the retry from it applies each message once, in order', async () => {
    const [solo, packedKey, other] = [randomUUID(), randomUUID(), randomUUID()];
    const packed = [registered(packedKey, 'packed'), updated(packedKey, 'Packed-Updated')];
    // One Kinesis record carries two user records of two keys (the relay aggregates a run): `other` applies, `packed` fails.
    const records = await putAndRead([
      json(registered(solo, 'solo')),
      { key: packedKey, data: await kplAggregate([...packed, registered(other, 'other')].map((e) => ({ partitionKey: e.partitionkey, data: Buffer.from(JSON.stringify(e)) }))) },
    ]);
    await sql.query(`
      CREATE FUNCTION organizations.lambda_test_fail_packed() RETURNS trigger LANGUAGE plpgsql AS
        $$ BEGIN IF NEW.username = 'packed' THEN RAISE EXCEPTION 'packed is unavailable'; END IF; RETURN NEW; END $$;
      CREATE TRIGGER lambda_test_fail_packed BEFORE INSERT ON organizations.known_users FOR EACH ROW EXECUTE FUNCTION organizations.lambda_test_fail_packed()`);

    expect(await handler()(lambdaEvent(stream, shardId, records), late)).toEqual({ batchItemFailures: [{ itemIdentifier: records[1].SequenceNumber }] });
    expect(await knownUser(solo)).toEqual({ username: 'solo', last_name: 'Last' });
    expect(await knownUser(other)).toEqual({ username: 'other', last_name: 'Last' }); // another key of the same record
    expect(await knownUser(packedKey)).toBeNull();

    await sql.query(`DROP TRIGGER lambda_test_fail_packed ON organizations.known_users; DROP FUNCTION organizations.lambda_test_fail_packed()`);
    expect(await handler()(lambdaEvent(stream, shardId, records.slice(1)), plenty)).toEqual({ batchItemFailures: [] });
    expect(await knownUser(packedKey)).toEqual({ username: 'packed', last_name: 'Packed-Updated' });
    expect(await inboxed(packed.map((e) => e.id))).toBe(2);
    expect(await deadLetters(packedKey)).toEqual([]);
  });

  it('parks a record whose data is not base64 of a CloudEvent as poison and applies the rest of the batch', async () => {
    const [before, after] = [randomUUID(), randomUUID()];
    const records = await putAndRead([json(registered(before, 'before')), json(registered(randomUUID(), 'mangled')), json(registered(after, 'after'))]);
    const event = lambdaEvent(stream, shardId, records);
    const mangledKey = event.Records[1].kinesis.partitionKey;
    event.Records[1].kinesis.data = '%%% not base64 %%%';

    expect(await handler()(event, plenty)).toEqual({ batchItemFailures: [] });
    expect(await knownUser(before)).not.toBeNull();
    expect(await knownUser(after)).not.toBeNull();
    expect(await deadLetters(mangledKey)).toEqual([
      expect.objectContaining({ handler: '(unparseable)', sequence_number: records[1].SequenceNumber, status: 'parked' }),
    ]);
  });

  it('boots the application context once for the container, whatever the number of invocations', async () => {
    // Every invocation of this file so far went through the one context booted by the first.
    expect(boots).toBe(1);
    expect(await handler()({ Records: [] }, plenty)).toEqual({ batchItemFailures: [] });
    expect(boots).toBe(1);
  });

  it('refuses an event that is not a Kinesis stream event of this app with a log line saying why, writing nothing', async () => {
    const [record] = await putAndRead([json(registered(randomUUID(), 'refused'))]);
    const good = lambdaEvent(stream, shardId, [record]);
    const before = await sql.query(`SELECT (SELECT count(*) FROM organizations.inbox) AS inbox, (SELECT count(*) FROM platform.dead_letters) AS parked`);
    const refused: Array<[unknown, RegExp]> = [
      [{ Records: [{ eventSource: 'aws:sqs', body: '{}' }] }, /eventSource is "aws:sqs"/],
      [{ detail: {} }, /no Records array/],
      [{ Records: [{ ...good.Records[0], kinesis: { ...good.Records[0].kinesis, sequenceNumber: undefined } }] }, /sequenceNumber is missing/],
      [{ Records: [{ ...good.Records[0], eventSourceARN: `${ACCOUNT_ARN}other-users-events` }] }, /does not start with STREAM_PREFIX/],
    ];
    const logged = jest.spyOn(NestLogger.prototype, 'error');
    try {
      for (const [event, reason] of refused) {
        logged.mockClear();
        const error = await handler()(event, plenty).then(() => null, (e: unknown) => e);
        expect(error).toBeInstanceOf(NotAKinesisEventError);
        expect((error as Error).message).toMatch(reason);
        // Thrown, so Lambda retries the invocation (nothing is dropped unseen), and one line tells the operator why.
        expect(logged).toHaveBeenCalledTimes(1);
        expect(logged.mock.calls[0][0]).toMatch(new RegExp(`^Refused invocation req-plenty, not a Kinesis stream event of this app: .*${reason.source}`));
      }
    } finally {
      logged.mockRestore();
    }
    const after = await sql.query(`SELECT (SELECT count(*) FROM organizations.inbox) AS inbox, (SELECT count(*) FROM platform.dead_letters) AS parked`);
    expect(after.rows).toEqual(before.rows);
  });
});

async function duplicates(metrics: MetricsService): Promise<number> {
  const metric = await metrics.registry.getSingleMetric('eda_consumer_records_processed_total')!.get();
  return metric.values.filter((v) => v.labels.handler === HANDLER && v.labels.outcome === 'duplicate').reduce((sum, v) => sum + v.value, 0);
}
