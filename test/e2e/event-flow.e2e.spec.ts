import { eventually, readStream, testKinesisClient } from '@eda/platform/testing';
import { anOrganization, aUser } from '../support/mothers';
import { streamContractProblems } from '../support/stream-contract';
import { startTestApp, TestApp } from '../support/test-app';

describe('event flow: a committed change reaches its Kinesis stream', () => {
  let t: TestApp;
  const kinesis = testKinesisClient();

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
    kinesis.destroy();
  });

  it('publishes a user’s events to <prefix>users-events in commit order, keyed by the user id', async () => {
    const user = await aUser(t);
    await t.request('PATCH', `/users/${user.id}`, { lastName: 'X' });
    await t.request('POST', `/users/${user.id}/deactivate`);
    const events = await eventually('the three events are on the stream', async () => {
      const onStream = (await readStream(kinesis, `${t.streamPrefix}users-events`)).filter((e) => e.subject === user.id);
      expect(onStream).toHaveLength(3);
      return onStream;
    }, 20_000, 200);
    expect(events.map((e) => e.type)).toEqual(['users.UserRegistered', 'users.UserProfileUpdated', 'users.UserDeactivated']);
    expect(events.every((e) => e.partitionkey === user.id && e.source === 'users' && e.specversion === '1.0')).toBe(true);
  });

  it('reports the relay caught up in GET /ops/relay and readiness, and the consumer leases in GET /ops/consumers', async () => {
    await eventually('the relay has nothing pending', async () => {
      const relay = await t.request('GET', '/ops/relay');
      expect(relay.status).toBe(200);
      expect(relay.body).toMatchObject({ mode: expect.stringMatching(/^(wal|polling)$/), pending: 0 });
    }, 20_000, 200);
    const ready = await t.request('GET', '/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.details.relay).toMatchObject({ status: 'up' });
    const consumers = await t.request('GET', '/ops/consumers');
    expect(consumers.status).toBe(200);
    expect(Array.isArray(consumers.body)).toBe(true);
  });

  it('put only records that match the AsyncAPI document on the streams (docs/adr/0020-asyncapi-contract.md)', async () => {
    expect(await streamContractProblems(t)).toEqual([]);
  });
});

describe('event flow with KINESIS_AGGREGATION=on', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ KINESIS_AGGREGATION: 'on' });
  });
  afterAll(() => t.close());

  it('packs events into KPL records that the consumers unpack: a new user becomes addable to an organization', async () => {
    const user = await aUser(t);
    const org = await anOrganization(t, 1000);
    const added = await eventually('the organizations context learnt the user from the aggregated stream', async () => {
      const res = await t.request('POST', `/organizations/${org.id}/members`, { userId: user.id, role: 'member' });
      if (res.status !== 201) throw new Error(`POST members answered ${res.status}`);
      return res.body;
    }, 20_000, 100);
    expect(added.members).toEqual([{ userId: user.id, username: user.username, fullName: `${user.firstName} ${user.lastName}`, role: 'member' }]);
    await eventually('the membership reaches the user’s read model', async () => {
      expect((await t.request('GET', `/users/${user.id}`)).body.organizations).toEqual([{ organizationId: org.id, name: org.name, role: 'member' }]);
    }, 20_000, 100);
  });

  it('put only records that match the AsyncAPI document on the streams (docs/adr/0020-asyncapi-contract.md)', async () => {
    expect(await streamContractProblems(t)).toEqual([]);
  });
});
