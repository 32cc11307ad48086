import { eventually, testKinesisEndpoint } from '../testing';
import { RELAY_PUBLICATION } from './provision-relay';
import { insertEvent, pendingRows, readStream, useRelayWorld } from '../testing/relay-test-kit';

/**
 * The WAL relay's safety net: a committed row the replication stream never delivers (here: inserted while its
 * table is out of the publication, as a lost message would leave it) is found and published by a restart,
 * instead of holding its key back until someone restarts the process.
 */
describe('relay in WAL mode, a row the replication stream did not deliver', () => {
  const kit = useRelayWorld();

  const idsOnStream = async () => new Set((await readStream(kit.world, 'users-events')).map((r) => r.id));

  it('is found while the stream is caught up, and published by restarting from the slot', async () => {
    const { world } = kit;
    if (world.autoMode !== 'wal') {
      // No logical replication on this server (wal_level=replica): the polling relay re-reads every unpublished row.
      expect(world.autoMode).toBe('polling');
      return;
    }
    const lines: string[] = [];
    const relay = kit.startRelay(testKinesisEndpoint(), { RELAY_MODE: 'wal' }, { undeliveredCheckMs: 250, undeliveredAfterMs: 1_000 }, (line) => lines.push(line));
    const admin = kit.pool('owner', 1);
    const first = await insertEvent(admin, 'users', 'a');
    await eventually('the relay publishes through the slot', async () => expect(await idsOnStream()).toContain(first), 20_000);
    expect(relay.mode).toBe('wal');

    await admin.query(`ALTER PUBLICATION ${RELAY_PUBLICATION} DROP TABLE users.event_log`);
    const lost = await insertEvent(admin, 'users', 'b');
    await admin.query(`ALTER PUBLICATION ${RELAY_PUBLICATION} ADD TABLE users.event_log`);
    const after = await insertEvent(admin, 'users', 'c');
    await eventually('a row inserted after it is published through the slot', async () => expect(await idsOnStream()).toContain(after), 20_000);
    expect(await idsOnStream()).not.toContain(lost);

    await eventually('the undelivered row is published', async () => expect(await idsOnStream()).toContain(lost), 20_000);
    expect(lines.some((line) => /did not deliver 1 committed row\(s\) \(users position \d+\)/.test(line))).toBe(true);
    await eventually('nothing is left unpublished', async () => expect(await pendingRows(world)).toBe(0), 20_000);
    const ids = (await readStream(world, 'users-events')).map((r) => r.id);
    expect(ids.filter((id) => id === lost)).toHaveLength(1);
    expect(ids.filter((id) => id === after)).toHaveLength(1);
  });
});
