import { Client } from 'pg';
import { sleep } from '../kinesis/backoff';
import { eventually, KinesisFaultProxy } from '../testing';
import { appendEvents, expectCompleteAndOrdered, pendingRows, readStream, relayStatus, TestEvent, useRelayWorld } from '../testing/relay-test-kit';

/**
 * A hot key (1 000 events/s) behind a Kinesis with a real network's round trip. One record per key per call
 * would move it at one record per round trip; KINESIS_AGGREGATION=auto (the default) sends its queued run as
 * one KPL aggregate per call, so it keeps up, and other keys never wait for it.
 */
describe('relay with a hot key (KINESIS_AGGREGATION=auto)', () => {
  const kit = useRelayWorld();
  let proxy: KinesisFaultProxy;

  beforeEach(async () => {
    proxy = await kit.faultProxy();
    proxy.configure({ delayMs: 50 });
  });

  /**
   * Samples the relay lag as GET /ops/relay measures it (the age of the oldest row not yet confirmed by Kinesis)
   * every 20 ms until stopped; resolves with the largest seen.
   */
  function sampleLag(): { stop: () => Promise<number> } {
    const pool = kit.pool('platform', 1);
    let stopped = false;
    let max = 0;
    const sampling = (async () => {
      while (!stopped) {
        max = Math.max(max, (await relayStatus(pool)).lagMs);
        await sleep(20);
      }
    })();
    const stop = async () => {
      stopped = true;
      await sampling;
      return max;
    };
    kit.cleanUp(stop);
    return { stop };
  }

  it('publishes a key written at 1 000 events/s in commit order with lag under a second, and a cold key does not wait behind its backlog', async () => {
    // One shard: the stream's order is the order records reached Kinesis, across keys.
    const { world } = kit;
    kit.startRelay(proxy.endpoint, { STREAM_SHARDS: '1' });
    const seqs = new Map<string, number>();
    const written: TestEvent[] = [];
    // Warm up (connections, the aggregator's first use): lag is measured in steady state.
    written.push(...(await appendEvents(world, 'users', { count: 200, keys: ['hot'], firstSeq: seqs, perTransaction: 50 })));
    await eventually('the warm-up is published', async () => expect(await pendingRows(world)).toBe(0), 30_000, 100);

    // 4 000 events of `hot` over 4 s (50 every 50 ms), and now and then one of a cold key.
    const writer = new Client({ connectionString: world.topology.access('users').url });
    await writer.connect();
    const lag = sampleLag();
    const start = Date.now();
    try {
      for (let i = 0; i < 80; i++) {
        written.push(...(await appendEvents(world, 'users', { count: 50, keys: ['hot'], firstSeq: seqs, perTransaction: 50, client: writer })));
        if (i % 10 === 0) written.push(...(await appendEvents(world, 'users', { count: 1, keys: [`cold-${i}`], firstSeq: seqs, client: writer })));
        await sleep(Math.max(0, start + (i + 1) * 50 - Date.now()));
      }
    } finally {
      await writer.end();
    }
    expect(Date.now() - start).toBeLessThan(6_000);
    await eventually('the steady load is published', async () => expect(await pendingRows(world)).toBe(0), 30_000, 200);
    expect(await lag.stop()).toBeLessThan(1_000);

    // A backlog of `hot` larger than one aggregate (3 000 events of 2 KB ≈ 6 aggregates, one per round trip),
    // then cold events: they ride in the first call, ahead of the hot key's remaining aggregates.
    const burst = await appendEvents(world, 'users', { count: 3_000, keys: ['hot'], firstSeq: seqs, perTransaction: 3_000, extra: () => ({ pad: 'h'.repeat(2_000) }) });
    const cold = await appendEvents(world, 'users', { count: 5, keys: ['cold-a', 'cold-b', 'cold-c', 'cold-d', 'cold-e'], firstSeq: seqs });
    written.push(...burst, ...cold);
    await eventually('the backlog is published', async () => expect(await pendingRows(world)).toBe(0), 30_000, 200);

    const kinesisRecords = { count: 0 };
    const onStream = await readStream(world, 'users-events', kinesisRecords);
    expectCompleteAndOrdered(written, onStream);
    // Aggregated: far fewer Kinesis records than events.
    expect(kinesisRecords.count).toBeLessThan(written.length / 10);
    const indexOf = (id: string) => onStream.findIndex((r) => r.id === id);
    const lastOfBurst = indexOf(burst[burst.length - 1].id);
    for (const event of cold) expect(indexOf(event.id)).toBeLessThan(lastOfBurst);
  });
});
