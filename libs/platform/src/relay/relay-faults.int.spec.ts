import { eventually, KinesisFaultProxy } from '../testing';
import { appendEvents, expectCompleteAndOrdered, pendingRows, readStream, relayStatus, TestEvent, useRelayWorld } from '../testing/relay-test-kit';

describe('relay under Kinesis faults (WAL mode, or polling where the server has no logical replication)', () => {
  const kit = useRelayWorld();
  let proxy: KinesisFaultProxy;

  beforeEach(async () => {
    proxy = await kit.faultProxy({ seed: 7 });
  });

  it('puts every event on its stream in commit order per key while 20 % of records are throttled and some fail', async () => {
    proxy.configure({ throttleRecords: 0.15, kmsThrottleRecords: 0.05, failRecords: 0.05, throttleCalls: 0.05 });
    // Plain records, one per event: every event meets the per-record faults (aggregates: the next test).
    const { world } = kit;
    const relay = kit.startRelay(proxy.endpoint, { KINESIS_AGGREGATION: 'off' });
    const keys = Array.from({ length: 200 }, (_, i) => `key-${i}`);
    const written: TestEvent[] = (
      await Promise.all([
        appendEvents(world, 'users', { count: 6_000, keys: keys.slice(0, 120), perTransaction: 50 }),
        appendEvents(world, 'orders', { count: 4_000, keys: keys.slice(120), perTransaction: 80 }),
      ])
    ).flat();
    await eventually('every row is stamped published', async () => expect(await pendingRows(world)).toBe(0), 90_000, 250);
    expect(relay.mode).toBe(world.autoMode);
    const onStream = [
      ...(await readStream(world, 'users-events')),
      ...(await readStream(world, 'orders-events')),
    ];
    expectCompleteAndOrdered(written, onStream);
    expect(proxy.stats.throttledRecords).toBeGreaterThan(1_000);
    expect(proxy.stats.failedRecords).toBeGreaterThan(100);
    expect(proxy.stats.throttledCalls).toBeGreaterThan(0);
  });

  it('keeps per-key commit order when KPL aggregates of a key\'s run are throttled and fail as a whole (KINESIS_AGGREGATION=auto)', async () => {
    // Half of all records refused: how many aggregates the relay builds depends on timing, and even a run of 10
    // (one per key) then meets a refusal all but once in a thousand runs.
    proxy.configure({ throttleRecords: 0.3, failRecords: 0.2, throttleCalls: 0.05 });
    const { world } = kit;
    kit.startRelay(proxy.endpoint);
    const keys = Array.from({ length: 10 }, (_, i) => `agg-${i}`);
    const written = await appendEvents(world, 'users', { count: 4_000, keys, perTransaction: 400 });
    await eventually('every row is stamped published', async () => expect(await pendingRows(world)).toBe(0), 90_000, 250);
    const kinesisRecords = { count: 0 };
    expectCompleteAndOrdered(written, await readStream(world, 'users-events', kinesisRecords));
    expect(kinesisRecords.count).toBeLessThan(written.length / 4);
    expect(proxy.stats.throttledRecords + proxy.stats.failedRecords).toBeGreaterThan(0);
  });

  it('loses nothing and catches up when Kinesis is unreachable for 10 seconds mid-stream', async () => {
    const { world } = kit;
    kit.startRelay(proxy.endpoint);
    const keys = Array.from({ length: 50 }, (_, i) => `k${i}`);
    const seqs = new Map<string, number>();
    const written = await appendEvents(world, 'users', { count: 500, keys, firstSeq: seqs });
    await eventually('the first events are published', async () => expect(await pendingRows(world)).toBe(0), 20_000);
    proxy.cutFor(10_000);
    const cutAt = Date.now();
    written.push(...(await appendEvents(world, 'users', { count: 1_000, keys, firstSeq: seqs, perTransaction: 20 })));
    const pool = kit.pool('platform', 1);
    await eventually('the relay reports lag while Kinesis is away', async () => {
      const status = await relayStatus(pool);
      expect(status.pending).toBeGreaterThan(0);
      expect(status.lagMs).toBeGreaterThan(1_000);
    }, 10_000);
    expect(proxy.unreachable).toBe(true);
    await eventually('the backlog drains after Kinesis returns', async () => {
      const status = await relayStatus(pool);
      expect(status).toMatchObject({ mode: world.autoMode, pending: 0, lagMs: 0 });
      expect(Date.parse(status.lastPublishedAt!)).toBeGreaterThan(cutAt + 9_000);
    }, 40_000, 200);
    expect(proxy.stats.cutConnections).toBeGreaterThan(0);
    expectCompleteAndOrdered(written, await readStream(world, 'users-events'));
  });
});
