import { randomUUID } from 'node:crypto';
import { aUser } from '../support/mothers';
import { streamContractProblems } from '../support/stream-contract';
import { startTestApp, TestApp } from '../support/test-app';

describe('users (REST)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const ada = (n = randomUUID().slice(0, 8)) => ({ email: `ada.${n}@example.com`, username: `ada_${n}`, firstName: 'Ada', lastName: 'Lovelace' });

  it('registers a user (201) and records users.UserRegistered in the same commit', async () => {
    const input = ada();
    const res = await t.request('POST', '/users', input);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ email: input.email, username: input.username, status: 'ACTIVE', organizations: [] });
    const rows = await queryEventLog(t, 'users', res.body.id);
    expect(rows.map((r) => r.type)).toEqual(['users.UserRegistered']);
    expect(rows[0].envelope).toMatchObject({
      specversion: '1.0',
      source: 'users',
      type: 'users.UserRegistered',
      subject: res.body.id,
      partitionkey: res.body.id,
      datacontenttype: 'application/json',
      data: { userId: res.body.id, email: input.email },
    });
    expect(rows[0].envelope.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/);
    expect(rows[0].envelope.correlationid).toEqual(expect.any(String));
  });

  it('correlates the events of a request with its X-Request-Id, or a fresh UUID, and continues its trace', async () => {
    const traceId = 'a'.repeat(32);
    const given = await t.request('POST', '/users', ada(), { 'x-request-id': 'req-from-caller-42', traceparent: `00-${traceId}-${'b'.repeat(16)}-01` });
    const fresh = await t.request('POST', '/users', ada());
    const [givenEvent] = await queryEventLog(t, 'users', given.body.id);
    const [freshEvent] = await queryEventLog(t, 'users', fresh.body.id);
    expect(givenEvent.envelope.correlationid).toBe('req-from-caller-42');
    expect(givenEvent.envelope.traceparent).toMatch(new RegExp(`^00-${traceId}-(?!${'b'.repeat(16)})[0-9a-f]{16}-01$`));
    expect(freshEvent.envelope.correlationid).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers 409 when the email or the username is taken, and records nothing', async () => {
    const input = ada();
    expect((await t.request('POST', '/users', input)).status).toBe(201);
    const before = await countEvents(t);
    const sameEmail = await t.request('POST', '/users', { ...ada(), email: input.email.toUpperCase() });
    const sameName = await t.request('POST', '/users', { ...ada(), username: input.username });
    expect([sameEmail.status, sameName.status]).toEqual([409, 409]);
    expect(sameEmail.headers['content-type']).toContain('application/problem+json');
    expect(sameEmail.body).toMatchObject({ status: 409, code: 'USERS.EMAIL_TAKEN' });
    expect(sameName.body).toMatchObject({ status: 409, code: 'USERS.USERNAME_TAKEN' });
    expect(await countEvents(t)).toBe(before);
  });

  it('lets exactly one of many concurrent registrations of one email win', async () => {
    const input = ada();
    const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => t.request('POST', '/users', { ...input, username: `${input.username}${i}` })));
    expect(answers.map((a) => a.status).sort()).toEqual([201, 409, 409, 409, 409, 409, 409, 409]);
  });

  it('updates the profile (200, UserProfileUpdated) and deactivates (200, UserDeactivated)', async () => {
    const user = await aUser(t);
    const patched = await t.request('PATCH', `/users/${user.id}`, { lastName: 'King' });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ firstName: 'Ada', lastName: 'King' });
    const deactivated = await t.request('POST', `/users/${user.id}/deactivate`);
    expect(deactivated.status).toBe(200);
    expect(deactivated.body.status).toBe('DEACTIVATED');
    expect((await t.request('POST', `/users/${user.id}/deactivate`)).status).toBe(200);
    expect((await t.request('PATCH', `/users/${user.id}`, { firstName: 'X' })).status).toBe(409);
    const types = (await queryEventLog(t, 'users', user.id)).map((r) => r.type);
    expect(types).toEqual(['users.UserRegistered', 'users.UserProfileUpdated', 'users.UserDeactivated']);
    expect((await t.request('GET', `/users/${user.id}`)).body).toMatchObject({ lastName: 'King', status: 'DEACTIVATED' });
  });

  it('answers 404 for an unknown user and 400 for an id that is not a UUID', async () => {
    expect((await t.request('GET', `/users/${randomUUID()}`)).status).toBe(404);
    expect((await t.request('GET', '/users/not-a-uuid')).status).toBe(400);
    expect((await t.request('PATCH', `/users/${randomUUID()}`, { firstName: 'X' })).status).toBe(404);
  });

  it.each([
    ['a non-JSON body', '{"email": nope', 400],
    ['an array', [], 400],
    ['unknown fields', { ...ada(), admin: true }, 400],
    ['wrong types', { email: 1, username: ['x'], firstName: {}, lastName: null }, 400],
    ['a blank name', { ...ada(), firstName: '   ' }, 400],
    ['an over-long name', { ...ada(), lastName: 'x'.repeat(101) }, 400],
    ['a huge body', { ...ada(), lastName: 'x'.repeat(2 * 1024 * 1024) }, 413],
  ])('refuses %s with a 4xx problem and changes nothing', async (_what, body, status) => {
    const before = await countEvents(t);
    const res = await t.request('POST', '/users', body);
    expect(res.status).toBe(status);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.body).toMatchObject({ status, title: expect.any(String), detail: expect.any(String) });
    expect(await countEvents(t)).toBe(before);
  });

  it('refuses an invalid PATCH field by field', async () => {
    const user = await aUser(t);
    const res = await t.request('PATCH', `/users/${user.id}`, { firstName: 42, email: 'x@y.z' });
    expect(res.status).toBe(400);
    expect(Object.keys(res.body.errors).sort()).toEqual(['email', 'firstName']);
  });

  it('put only records that match the AsyncAPI document on the streams (docs/adr/0020-asyncapi-contract.md)', async () => {
    expect(await streamContractProblems(t)).toEqual([]);
  });
});

async function queryEventLog(t: TestApp, schema: string, subject: string): Promise<Array<{ type: string; envelope: any }>> {
  return (await t.sql.query(`SELECT type, envelope FROM "${schema}".event_log WHERE subject = $1 ORDER BY position`, [subject])).rows;
}

async function countEvents(t: TestApp): Promise<number> {
  return (await t.sql.query('SELECT count(*)::int AS n FROM users.event_log')).rows[0].n;
}
