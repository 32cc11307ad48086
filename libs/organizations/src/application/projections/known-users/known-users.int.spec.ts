import { randomUUID } from 'node:crypto';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { Pool } from 'pg';
import { CloudEvent, EventLogAppender, ProjectionRegistry, UnitOfWork } from '@eda/platform';
import { startTestApp, TestApp } from '../../../../../../test/support/test-app';
import { KnownUsersHandler } from './known-users.handler';

/**
 * The organizations' view of users against the real database: fed with the users context's real events
 * (read from its event log) exactly as the consumer feeds it, and rebuilt from that log. ROLES=api: no
 * consumer competes with the test for the deliveries.
 */
describe('organizations known-users projection', () => {
  let t: TestApp;
  let db: Pool;
  let uow: UnitOfWork;
  let handler: KnownUsersHandler;

  beforeAll(async () => {
    t = await startTestApp({ ROLES: 'api', DATABASE_POOL_SIZE: '8' });
    db = t.sql;
    uow = new UnitOfWork('organizations', t.app.get(getDataSourceToken('organizations'), { strict: false }), t.app.get(EventLogAppender, { strict: false }));
    handler = t.app.get(KnownUsersHandler, { strict: false });
  });
  afterAll(async () => {
    await t.close();
  });

  const register = async (lastName = 'Lovelace') => {
    const n = randomUUID().slice(0, 8);
    const res = await t.request('POST', '/users', { email: `u.${n}@example.com`, username: `u_${n}`, firstName: 'Ada', lastName });
    expect(res.status).toBe(201);
    return res.body.id as string;
  };
  const eventsOf = async (userId: string) =>
    (await db.query('SELECT envelope FROM users.event_log WHERE subject = $1 ORDER BY position', [userId])).rows.map((r) => r.envelope as CloudEvent);
  const deliver = (event: CloudEvent) => uow.runOnce('organizations.known-users', event, (tx) => handler.handle(event, tx));
  const deliverAll = async (userId: string) => {
    const applied: boolean[] = [];
    for (const event of await eventsOf(userId)) applied.push(await deliver(event));
    return applied;
  };
  const row = async (userId: string) =>
    (await db.query('SELECT username, first_name, last_name, active, last_event_id FROM organizations.known_users WHERE user_id = $1', [userId])).rows[0];
  const table = async () => (await db.query('SELECT * FROM organizations.known_users ORDER BY user_id')).rows;

  it('follows registration, profile updates and deactivation, recording the last applied event, each once', async () => {
    const userId = await register();
    await t.request('PATCH', `/users/${userId}`, { lastName: 'King' });
    await t.request('POST', `/users/${userId}/deactivate`);
    expect(await deliverAll(userId)).toEqual([true, true, true]);
    const events = await eventsOf(userId);
    expect(await row(userId)).toEqual({ username: expect.stringMatching(/^u_/), first_name: 'Ada', last_name: 'King', active: false, last_event_id: events[2].id });
    expect(await deliverAll(userId)).toEqual([false, false, false]);
  });

  it('applies a batch at once (one read, one upsert) to the same rows as one by one, each event once', async () => {
    const [a, b, c] = [await register('Hopper'), await register('Liskov'), await register('Goldwasser')];
    await t.request('PATCH', `/users/${a}`, { lastName: 'Hopper-King' });
    await t.request('POST', `/users/${b}/deactivate`);
    await t.request('PATCH', `/users/${c}`, { firstName: 'Shafi' });
    const batch = [...(await eventsOf(a)), ...(await eventsOf(b)), ...(await eventsOf(c))];
    const handlerName = 'organizations.known-users';
    const applied = await uow.runBatch(handlerName, batch, (event, tx) => handler.handle(event, tx), undefined, {
      workAll: (events, tx) => handler.handleBatch(events, tx),
    });
    expect(applied).toEqual(batch.map(() => true));
    const batched = [await row(a), await row(b), await row(c)];
    expect(batched.map((r) => [r.last_name, r.active, r.first_name])).toEqual([['Hopper-King', true, 'Ada'], ['Liskov', false, 'Ada'], ['Goldwasser', true, 'Shafi']]);
    expect(batched.map((r) => r.last_event_id)).toEqual([(await eventsOf(a)).at(-1)!.id, (await eventsOf(b)).at(-1)!.id, (await eventsOf(c)).at(-1)!.id]);
    // Delivered again (one by one, or as a batch), nothing changes: the inbox holds them.
    expect(await deliverAll(a)).toEqual([false, false]);
    expect(await uow.runBatch(handlerName, batch, (event, tx) => handler.handle(event, tx), undefined, { workAll: (events, tx) => handler.handleBatch(events, tx) }))
      .toEqual(batch.map(() => false));
    expect([await row(a), await row(b), await row(c)]).toEqual(batched);
  });

  it('applies a message that appears twice in one batch once: the first takes it', async () => {
    const userId = await register('Twice');
    const [registered] = await eventsOf(userId);
    const applied = await uow.runBatch('organizations.known-users', [registered, registered], (event, tx) => handler.handle(event, tx), undefined, {
      workAll: (events, tx) => handler.handleBatch(events, tx),
    });
    expect(applied).toEqual([true, false]);
    const { rows } = await db.query(`SELECT count(*)::int AS n FROM organizations.inbox WHERE handler = 'organizations.known-users' AND message_id = $1`, [registered.id]);
    expect(rows[0].n).toBe(1);
    expect((await row(userId)).last_event_id).toBe(registered.id);
  });

  it('rebuilds from the users event log to the same rows, then hands over to live deliveries without gap or double', async () => {
    const delivered = await register();
    await deliverAll(delivered);
    const undelivered = await register('Byron');
    await t.request('PATCH', `/users/${delivered}`, { firstName: 'Augusta' });
    // What live delivery of everything so far would give:
    for (const id of [delivered, undelivered]) await deliverAll(id);
    const live = await table();
    await db.query('UPDATE organizations.known_users SET last_name = $1', ['corrupted']);

    const res = await t.request('POST', '/ops/projections/organizations.known-users/rebuild');
    expect(res.status).toBe(200);
    expect(res.body.replayed).toBeGreaterThanOrEqual(3);
    expect(await table()).toEqual(live);

    // Redeliveries of replayed events are duplicates; an event committed after the rebuild is applied.
    expect(await deliverAll(undelivered)).toEqual([false]);
    const later = await register('Later');
    expect(await deliverAll(later)).toEqual([true]);
    expect((await row(later)).last_name).toBe('Later');
  });

  it('applies every event exactly once when a rebuild runs while live deliveries continue', async () => {
    const users = await Promise.all(Array.from({ length: 12 }, () => register()));
    const registry = t.app.get(ProjectionRegistry, { strict: false });
    const [rebuilt, applied] = await Promise.all([registry.rebuild('organizations.known-users'), Promise.all(users.map((id) => deliverAll(id)))]);
    expect(rebuilt.replayed).toBeGreaterThanOrEqual(users.length);
    expect(applied.flat().length).toBe(users.length);
    for (const id of users) expect(await row(id)).toMatchObject({ first_name: 'Ada', active: true });
    const { rows } = await db.query(
      `SELECT count(*)::int AS n FROM organizations.inbox WHERE handler = 'organizations.known-users' AND message_id = ANY($1)`,
      [(await Promise.all(users.map(eventsOf))).flat().map((e) => e.id)],
    );
    expect(rows[0].n).toBe(users.length);
  });
});
