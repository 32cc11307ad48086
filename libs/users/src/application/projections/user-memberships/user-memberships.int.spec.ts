import { getDataSourceToken } from '@nestjs/typeorm';
import type { Pool } from 'pg';
import { CloudEvent, EventLogAppender, UnitOfWork } from '@eda/platform';
import { aMembership, anOrganization, aUser } from '../../../../../../test/support/mothers';
import { startTestApp, TestApp } from '../../../../../../test/support/test-app';
import { UserMembershipsHandler } from './user-memberships.handler';

/**
 * The users' memberships read model against the real database: fed with the organizations context's real
 * events (read from its event log) exactly as the consumer feeds it, and rebuilt from that log through the
 * ops route. ROLES=api: no consumer competes with the test for the deliveries.
 */
describe('users memberships projection', () => {
  let t: TestApp;
  let db: Pool;
  let uow: UnitOfWork;
  let handler: UserMembershipsHandler;

  beforeAll(async () => {
    t = await startTestApp({ ROLES: 'api' });
    db = t.sql;
    uow = new UnitOfWork('users', t.app.get(getDataSourceToken('users'), { strict: false }), t.app.get(EventLogAppender, { strict: false }));
    handler = t.app.get(UserMembershipsHandler, { strict: false });
  });
  afterAll(async () => {
    await t.close();
  });

  const register = async () => (await aUser(t)).id;
  /** An organization with the given users as members; the organizations' view of users is brought up to date through its ops route. */
  const organization = async (name: string, ...userIds: string[]) => {
    await t.request('POST', '/ops/projections/organizations.known-users/rebuild');
    const org = await anOrganization(t, 0, name);
    for (const userId of userIds) await aMembership(t, org.id, userId, 'admin');
    return org.id;
  };
  const deliverNew = async (organizationId: string) => {
    const { rows } = await db.query(
      `SELECT envelope FROM organizations.event_log WHERE subject = $1 AND type = ANY($2) ORDER BY position`,
      [organizationId, ['organizations.MemberAdded', 'organizations.MemberRemoved', 'organizations.OrganizationRenamed']],
    );
    const applied: boolean[] = [];
    for (const { envelope } of rows as Array<{ envelope: CloudEvent }>) {
      applied.push(await uow.runOnce('users.user-memberships', envelope, (tx) => handler.handle(envelope, tx)));
    }
    return applied;
  };
  const organizationsOf = async (userId: string) => (await t.request('GET', `/users/${userId}`)).body.organizations;

  it('lists the organizations a user was added to, follows renames and removals, each event once', async () => {
    const [ada, bob] = [await register(), await register()];
    const acme = await organization('Acme', ada, bob);
    expect(await deliverNew(acme)).toEqual([true, true]);
    expect(await organizationsOf(ada)).toEqual([{ organizationId: acme, name: 'Acme', role: 'admin' }]);

    await t.request('PATCH', `/organizations/${acme}`, { name: 'Acme Ltd' });
    await t.request('DELETE', `/organizations/${acme}/members/${bob}`);
    expect(await deliverNew(acme)).toEqual([false, false, true, true]);
    expect(await organizationsOf(ada)).toEqual([{ organizationId: acme, name: 'Acme Ltd', role: 'admin' }]);
    expect(await organizationsOf(bob)).toEqual([]);
    const { rows } = await db.query('SELECT last_event_id FROM users.user_memberships WHERE user_id = $1', [ada]);
    const renamed = await db.query(`SELECT id FROM organizations.event_log WHERE subject = $1 AND type = 'organizations.OrganizationRenamed'`, [acme]);
    expect(rows[0].last_event_id).toBe(renamed.rows[0].id);
  });

  it('applies a batch at once (handleBatch) to the same rows as one by one (handle): renames fan out, removals delete', async () => {
    const [ada, bob, cy] = [await register(), await register(), await register()];
    const acme = await organization('Acme', ada, bob);
    const globex = await organization('Globex', ada, cy);
    await t.request('PATCH', `/organizations/${acme}`, { name: 'Acme Ltd' });
    await t.request('DELETE', `/organizations/${acme}/members/${bob}`);
    expect((await t.request('POST', `/organizations/${globex}/members`, { userId: bob, role: 'member' })).status).toBe(201);
    await t.request('PATCH', `/organizations/${globex}`, { name: 'Globex Corp' });
    await t.request('DELETE', `/organizations/${globex}/members/${cy}`);
    const { rows: logged } = await db.query(
      `SELECT envelope FROM organizations.event_log WHERE subject = ANY($1) AND type = ANY($2) ORDER BY position`,
      [[acme, globex], ['organizations.MemberAdded', 'organizations.MemberRemoved', 'organizations.OrganizationRenamed']],
    );
    const events = logged.map((r) => r.envelope as CloudEvent);
    const handlerName = 'users.user-memberships';
    const rows = async () =>
      (await db.query('SELECT * FROM users.user_memberships WHERE user_id = ANY($1) ORDER BY user_id, organization_id', [[ada, bob, cy]])).rows;
    const forget = async () => {
      await db.query('DELETE FROM users.user_memberships WHERE user_id = ANY($1)', [[ada, bob, cy]]);
      await db.query('DELETE FROM users.inbox WHERE handler = $1 AND message_id = ANY($2)', [handlerName, events.map((e) => e.id)]);
    };

    for (const event of events) expect(await uow.runOnce(handlerName, event, (tx) => handler.handle(event, tx))).toBe(true);
    const oneByOne = await rows();
    expect(oneByOne.map((r) => [r.user_id, r.organization_name, r.role])).toEqual(
      expect.arrayContaining([[ada, 'Acme Ltd', 'admin'], [ada, 'Globex Corp', 'admin'], [bob, 'Globex Corp', 'member']]),
    );
    expect(oneByOne).toHaveLength(3);

    // Again from nothing, the first two one by one (so the batch starts from stored rows), the rest as one batch.
    await forget();
    for (const event of events.slice(0, 2)) await uow.runOnce(handlerName, event, (tx) => handler.handle(event, tx));
    const rest = events.slice(2);
    const applied = await uow.runBatch(handlerName, rest, (event, tx) => handler.handle(event, tx), undefined, {
      workAll: (batch, tx) => handler.handleBatch(batch, tx),
    });
    expect(applied).toEqual(rest.map(() => true));
    expect(await rows()).toEqual(oneByOne);

    // And all of them as one batch from nothing.
    await forget();
    await uow.runBatch(handlerName, events, (event, tx) => handler.handle(event, tx), undefined, { workAll: (batch, tx) => handler.handleBatch(batch, tx) });
    expect(await rows()).toEqual(oneByOne);
  });

  it('rebuilds from the organizations event log through POST /ops/projections/users.user-memberships/rebuild, then skips replayed events', async () => {
    const ada = await register();
    const [first, second] = [await organization('First', ada), await organization('Second', ada)];
    await deliverNew(first);
    await db.query('DELETE FROM users.user_memberships WHERE user_id = $1', [ada]);
    const res = await t.request('POST', '/ops/projections/users.user-memberships/rebuild');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ projection: 'users.user-memberships', replayed: expect.any(Number) });
    expect((await organizationsOf(ada)).map((o: { organizationId: string }) => o.organizationId).sort()).toEqual([first, second].sort());
    expect(await deliverNew(second)).toEqual([false]);
    await t.request('PATCH', `/organizations/${second}`, { name: 'Second, renamed' });
    expect(await deliverNew(second)).toEqual([false, true]);
    expect((await organizationsOf(ada)).find((o: { organizationId: string }) => o.organizationId === second).name).toBe('Second, renamed');
  });
});
