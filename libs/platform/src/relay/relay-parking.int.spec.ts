import type { Pool } from 'pg';
import { eventually, testKinesisEndpoint } from '../testing';
import { ParkedStore } from './parked-store';
import { appendEvents, expectCompleteAndOrdered, readStream, relaySlotConfirmedPast, relayStatus, TestEvent, useRelayWorld } from '../testing/relay-test-kit';

const keys = Array.from({ length: 20 }, (_, i) => `k${i}`);

describe.each([['auto'], ['polling']])('relay parking of records Kinesis refuses for good (RELAY_MODE=%s)', (relayMode) => {
  const kit = useRelayWorld();
  let pool: Pool;
  let owner: Pool;
  let parked: ParkedStore;
  const env = { RELAY_MODE: relayMode };
  const tuning = { releasePollMs: 100 };

  beforeEach(() => {
    pool = kit.pool('platform', 2);
    owner = kit.pool('owner', 1);
    parked = new ParkedStore(pool);
  });

  const status = () => relayStatus(pool);
  const onStream = () => readStream(kit.world, 'users-events');
  const seqsOf = async (key: string) => (await onStream()).filter((r) => r.key === key).map((r) => r.seq);
  const parkedOf = async (key: string) => (await parked.list({ partitionKey: key, limit: 500 })).items;
  const seqOfParked = (written: TestEvent[], eventId: string | null) => written.find((e) => e.id === eventId)?.seq;
  const ownerQuery = async <T>(sql: string): Promise<T> => (await owner.query(sql)).rows[0] as T;

  it('parks an oversize record with every later record of its key while every other key is published; discarding it releases them in order', async () => {
    const { world } = kit;
    const relay = kit.startRelay(testKinesisEndpoint(), env, tuning);
    const seqs = new Map<string, number>();
    // The event log's size check (ADR 0011) refuses such a row up front; rows stored before it existed (it is
    // NOT VALID) can still be oversize, and the relay must stay safe on its own: write one past the check.
    await ownerQuery('ALTER TABLE users.event_log DROP CONSTRAINT IF EXISTS event_log_publishable_size');
    // `bad`'s fourth event is 1.1 MB as stored: over Kinesis' 1 MiB record limit.
    const oversize = (key: string, seq: number) => (key === 'bad' && seq === 3 ? { pad: 'x'.repeat(1_100_000) } : undefined);
    const written = await appendEvents(world, 'users', { count: 210, keys: [...keys, 'bad'], firstSeq: seqs, perTransaction: 21, extra: oversize });
    const { lsn } = await ownerQuery<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn');

    await eventually('every other key is published and bad is parked from seq 3 on', async () => {
      expect(await status()).toMatchObject({ pending: 0, parked: 7 });
    }, 30_000, 200);
    expect(relay.mode).toBe(relayMode === 'polling' ? 'polling' : world.autoMode);
    expect(await seqsOf('bad')).toEqual([0, 1, 2]);
    expectCompleteAndOrdered(written.filter((e) => e.key !== 'bad'), (await onStream()).filter((r) => r.key !== 'bad'));
    const rows = await parkedOf('bad');
    expect(rows.map((r) => seqOfParked(written, r.eventId))).toEqual([3, 4, 5, 6, 7, 8, 9]);
    expect(rows.map((r) => [r.errorCode, r.status])).toEqual([['RecordTooLarge', 'parked'], ...Array(6).fill(['KeyParked', 'parked'])]);
    if (relay.mode === 'wal') {
      // The slot is acknowledged past the parked rows: WAL is not pinned behind them.
      await eventually('the slot is confirmed past the parked row', async () => expect(await relaySlotConfirmedPast(owner, world, lsn)).toBe(true), 20_000, 200);
    }

    // Later records of the parked key are parked behind it; the others keep flowing.
    written.push(...(await appendEvents(world, 'users', { count: 42, keys: [...keys, 'bad'], firstSeq: seqs, perTransaction: 21 })));
    await eventually('the later records are published or parked', async () => expect(await status()).toMatchObject({ pending: 0, parked: 9 }), 30_000, 200);
    expect(await seqsOf('bad')).toEqual([0, 1, 2]);

    const [head, follower] = await parkedOf('bad');
    expect(await parked.act(follower.id, 'discard')).toMatchObject({ outcome: 'conflict' });
    expect(await parked.act(follower.id, 'retry')).toMatchObject({ outcome: 'conflict' });
    expect(await parked.act('999999', 'retry')).toEqual({ outcome: 'not-found' });
    expect(await parked.act(head.id, 'discard')).toMatchObject({ outcome: 'done', record: { status: 'discarded' } });

    await eventually('the followers are published once the head is discarded', async () => {
      expect(await status()).toMatchObject({ pending: 0, parked: 0 });
      expect(await seqsOf('bad')).toEqual([0, 1, 2, 4, 5, 6, 7, 8, 9, 10, 11]);
    }, 30_000, 200);
    expect((await parkedOf('bad')).map((r) => r.status)).toEqual(['discarded', ...Array(8).fill('published')]);
    expectCompleteAndOrdered(written.filter((e) => e.id !== head.eventId), await onStream());

    // The key flows again: a new record goes straight through.
    written.push(...(await appendEvents(world, 'users', { count: 1, keys: ['bad'], firstSeq: seqs })));
    await eventually('a new record of the released key is published', async () => expect((await seqsOf('bad')).at(-1)).toBe(12), 30_000, 200);
  });

  it('finds the record a whole call was refused for, parks it durably across a relay restart, and a retry publishes it and its followers in order', async () => {
    const { world } = kit;
    const proxy = await kit.faultProxy();
    proxy.refuseRecords((data) => /"poison": ?true/.test(data.toString('latin1')));
    const relay = kit.startRelay(proxy.endpoint, env, tuning);
    const seqs = new Map<string, number>();
    const poison = (key: string, seq: number) => (key === 'bad' && seq === 2 ? { poison: true } : undefined);
    const written = await appendEvents(world, 'users', { count: 210, keys: [...keys, 'bad'], firstSeq: seqs, perTransaction: 21, extra: poison });
    await eventually('every other key is published and bad is parked from seq 2 on', async () => {
      expect(await status()).toMatchObject({ pending: 0, parked: 8 });
    }, 30_000, 200);
    expect(proxy.stats.refusedCalls).toBeGreaterThan(0);
    expect(await seqsOf('bad')).toEqual([0, 1]);
    expectCompleteAndOrdered(written.filter((e) => e.key !== 'bad'), (await onStream()).filter((r) => r.key !== 'bad'));
    const [head] = await parkedOf('bad');
    expect(head).toMatchObject({ errorCode: 'ValidationException', status: 'parked' });
    expect(head.errorMessage).toMatch(/1048576/);
    expect(seqOfParked(written, head.eventId)).toBe(2);

    // A new relay knows the key is parked: its new record is parked behind the others, not published.
    await relay.stop();
    kit.startRelay(proxy.endpoint, env, tuning);
    written.push(...(await appendEvents(world, 'users', { count: 21, keys: [...keys, 'bad'], firstSeq: seqs, perTransaction: 21 })));
    await eventually('the new records are published or parked', async () => expect(await status()).toMatchObject({ pending: 0, parked: 9 }), 30_000, 200);
    expect(await seqsOf('bad')).toEqual([0, 1]);

    // The cause is gone (say, a KMS key re-enabled): the operator retries the head.
    proxy.refuseRecords(undefined);
    expect(await parked.act(head.id, 'retry')).toMatchObject({ outcome: 'done', record: { status: 'retrying' } });
    await eventually('the parked records are published in order', async () => {
      expect(await status()).toMatchObject({ pending: 0, parked: 0 });
      expect(await seqsOf('bad')).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    }, 30_000, 200);
    expectCompleteAndOrdered(written, await onStream());
    expect((await parkedOf('bad')).every((r) => r.status === 'published')).toBe(true);
    // Re-sent rows are marked published like any other (nothing left for the polling source or the lag).
    const { n } = await ownerQuery<{ n: number }>(`SELECT count(*)::int AS n FROM users.event_log_unpublished`);
    expect(n).toBe(0);
  });
});
