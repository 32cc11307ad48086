import { LogicalReplicationService } from 'pg-logical-replication';
import { Client, Pool } from 'pg';
import { eventually, testKinesisEndpoint } from '../testing';
import { relaySlotActive, relaySlotConfirmedPast, useRelayWorld } from '../testing/relay-test-kit';

/**
 * The WAL relay while the database commits steadily outside its publication (another context's tables, or any
 * database of the cluster: WAL is one stream): PostgreSQL sends the slot a keepalive each time it has caught up,
 * after nearly every commit. Answering each with a standby status update cost a socket write per commit (17 % of an
 * all-roles process's CPU under POST /events). The slot is acknowledged when the server asks, when a flush moves
 * it, and otherwise at most once a second, and it still moves past what was written.
 */
describe('relay in WAL mode, keepalives under steady commits', () => {
  const kit = useRelayWorld();
  let admin: Pool;
  beforeEach(() => {
    admin = kit.pool('owner', 1);
  });
  afterEach(() => jest.restoreAllMocks());

  it('answers a flood of keepalives with a few acknowledgements, and the slot moves past what was written', async () => {
    const { world } = kit;
    if (world.autoMode !== 'wal') {
      // No logical replication on this server (wal_level=replica): there is no slot to acknowledge.
      expect(world.autoMode).toBe('polling');
      return;
    }
    const acknowledgements = jest.spyOn(LogicalReplicationService.prototype, 'acknowledge');
    const emitted = jest.spyOn(LogicalReplicationService.prototype, 'emit');
    kit.startRelay(testKinesisEndpoint(), { RELAY_MODE: 'wal' });
    await eventually('the relay streams from its slot', async () => expect(await relaySlotActive(admin, world)).toBe(true), 20_000);
    await admin.query('CREATE TABLE outside_the_publication (n int)');

    // Eight writers committing one row per transaction as fast as they can. The walsender sends a keepalive when it
    // has caught up; on a cluster busy with other databases' WAL (parallel suites) it can be behind for a while, so
    // the writers go on until the flood has reached the relay.
    const WRITERS = 8;
    const FLOOD = 200;
    const heartbeats = () => emitted.mock.calls.filter(([event]) => event === 'heartbeat').length;
    const [acknowledgedBefore, heartbeatsBefore] = [acknowledgements.mock.calls.length, heartbeats()];
    const writers = await Promise.all(Array.from({ length: WRITERS }, async () => {
      const writer = new Client({ connectionString: world.db.url });
      await writer.connect();
      return writer;
    }));
    try {
      const deadline = Date.now() + 60_000;
      while (heartbeats() - heartbeatsBefore < FLOOD && Date.now() < deadline) {
        await Promise.all(writers.map(async (writer) => {
          for (let i = 0; i < 25; i++) await writer.query('INSERT INTO outside_the_publication VALUES ($1)', [i]);
        }));
      }
    } finally {
      await Promise.all(writers.map((writer) => writer.end()));
    }
    const { lsn } = (await admin.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn')).rows[0];
    const [acknowledged, received] = [acknowledgements.mock.calls.length - acknowledgedBefore, heartbeats() - heartbeatsBefore];
    // The flood happened (a keepalive for many of the commits), and was answered a few times, not once per keepalive.
    expect(received).toBeGreaterThanOrEqual(FLOOD);
    expect(acknowledged).toBeLessThan(received / 10);
    await eventually('the slot is confirmed past what was written', async () => expect(await relaySlotConfirmedPast(admin, world, lsn)).toBe(true), 20_000, 200);
  });
});
