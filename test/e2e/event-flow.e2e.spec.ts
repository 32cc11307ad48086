import { eventually, readStream, testKinesisClient } from '@eda/platform/testing';
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
    const { body: user } = await t.request('POST', '/users', { email: 'flow@example.com', username: 'flow', firstName: 'Flo', lastName: 'W' });
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
});
