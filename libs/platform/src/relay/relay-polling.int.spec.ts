import { Client } from 'pg';
import { eventually, testKinesisEndpoint } from '../testing';
import { appendEvents, expectCompleteAndOrdered, insertEvent, pendingRows, readStream, useRelayWorld } from '../testing/relay-test-kit';

describe('relay in polling mode', () => {
  const kit = useRelayWorld();

  async function openTransaction(key: string): Promise<{ client: Client; id: string; commit(): Promise<void> }> {
    const client = new Client({ connectionString: kit.world.topology.access('users').url });
    await client.connect();
    await client.query('BEGIN');
    const id = await insertEvent(client, 'users', key);
    return { client, id, commit: async () => { await client.query('COMMIT'); await client.end(); } };
  }

  const idsOnStream = async () => new Set((await readStream(kit.world, 'users-events')).map((r) => r.id));

  it('publishes a row whose transaction commits after a later row was already published', async () => {
    const relay = kit.startRelay(testKinesisEndpoint(), { RELAY_MODE: 'polling' });
    const early = await openTransaction('early');
    const late = await openTransaction('late');
    await late.commit();
    await eventually('the later row is published', async () => expect(await idsOnStream()).toContain(late.id), 20_000);
    expect(relay.mode).toBe('polling');
    expect(await idsOnStream()).not.toContain(early.id);
    await early.commit();
    await eventually('the earlier row, committed last, is published too', async () => expect(await idsOnStream()).toContain(early.id), 20_000);
  });

  it('skips none of many transactions committing in reverse order of their positions', async () => {
    kit.startRelay(testKinesisEndpoint(), { RELAY_MODE: 'polling' });
    const open = [];
    for (let i = 0; i < 20; i++) open.push(await openTransaction(`k${i}`));
    for (const tx of [...open].reverse()) {
      await tx.commit();
      await eventually(`row of ${tx.id} is published`, async () => expect(await idsOnStream()).toContain(tx.id), 20_000);
    }
    expect(await pendingRows(kit.world)).toBe(0);
  });

  it('keeps per-key commit order under throttling and partial failures', async () => {
    const { world } = kit;
    const proxy = await kit.faultProxy({ seed: 3 });
    proxy.configure({ throttleRecords: 0.2, failRecords: 0.05, throttleCalls: 0.05 });
    // Plain records, one per event, so every event meets the per-record faults.
    kit.startRelay(proxy.endpoint, { RELAY_MODE: 'polling', KINESIS_AGGREGATION: 'off' });
    const written = await appendEvents(world, 'users', { count: 2_000, keys: Array.from({ length: 40 }, (_, i) => `p${i}`), perTransaction: 25 });
    await eventually('every row is stamped published', async () => expect(await pendingRows(world)).toBe(0), 60_000, 250);
    expectCompleteAndOrdered(written, await readStream(world, 'users-events'));
    expect(proxy.stats.throttledRecords).toBeGreaterThan(100);
  });
});
