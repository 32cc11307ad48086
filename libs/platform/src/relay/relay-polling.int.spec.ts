import { Client } from 'pg';
import { randomUUID } from 'node:crypto';
import { eventually, KinesisFaultProxy, testKinesisEndpoint } from '../testing';
import type { Relay } from './relay';
import { appendEvents, createRelayWorld, expectCompleteAndOrdered, pendingRows, readStream, RelayWorld, startRelay } from './fixtures/relay-harness';

describe('relay in polling mode', () => {
  let world: RelayWorld;
  let relay: Relay | undefined;

  beforeEach(async () => {
    world = await createRelayWorld();
  });
  afterEach(async () => {
    await relay?.stop();
    relay = undefined;
    await world.drop();
  });

  async function openTransaction(key: string): Promise<{ client: Client; id: string; commit(): Promise<void> }> {
    const client = new Client({ connectionString: world.topology.access('users').url });
    await client.connect();
    await client.query('BEGIN');
    const id = randomUUID();
    const event = { specversion: '1.0', id, source: 'users', type: 'users.Counted', subject: key, time: new Date().toISOString(),
      datacontenttype: 'application/json', data: { key, seq: 0 }, partitionkey: key, correlationid: 'c', causationid: 'c' };
    await client.query(
      `INSERT INTO event_log (id, source, type, subject, partition_key, stream, time, envelope, content_hash)
       VALUES ($1, 'users', 'users.Counted', $2, $2, 'users-events', now(), $3::jsonb, 'h')`,
      [id, key, JSON.stringify(event)],
    );
    return { client, id, commit: async () => { await client.query('COMMIT'); await client.end(); } };
  }

  const idsOnStream = async () => new Set((await readStream(world.reader, `${world.prefix}users-events`)).map((r) => r.id));

  it('publishes a row whose transaction commits after a later row was already published', async () => {
    relay = startRelay(world, testKinesisEndpoint(), { RELAY_MODE: 'polling' });
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
    relay = startRelay(world, testKinesisEndpoint(), { RELAY_MODE: 'polling' });
    const open = [];
    for (let i = 0; i < 20; i++) open.push(await openTransaction(`k${i}`));
    for (const tx of [...open].reverse()) {
      await tx.commit();
      await eventually(`row of ${tx.id} is published`, async () => expect(await idsOnStream()).toContain(tx.id), 20_000);
    }
    expect(await pendingRows(world)).toBe(0);
  });

  it('keeps per-key commit order under throttling and partial failures', async () => {
    const proxy = await new KinesisFaultProxy(testKinesisEndpoint(), { seed: 3 }).start();
    try {
      proxy.configure({ throttleRecords: 0.2, failRecords: 0.05, throttleCalls: 0.05 });
      // Plain records, one per event, so every event meets the per-record faults.
      relay = startRelay(world, proxy.endpoint, { RELAY_MODE: 'polling', KINESIS_AGGREGATION: 'off' });
      const written = await appendEvents(world, 'users', { count: 2_000, keys: Array.from({ length: 40 }, (_, i) => `p${i}`), perTransaction: 25 });
      await eventually('every row is stamped published', async () => expect(await pendingRows(world)).toBe(0), 60_000, 250);
      expectCompleteAndOrdered(written, await readStream(world.reader, `${world.prefix}users-events`));
      expect(proxy.stats.throttledRecords).toBeGreaterThan(100);
    } finally {
      await relay?.stop();
      relay = undefined;
      await proxy.stop();
    }
  });
});
