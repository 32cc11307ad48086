import { randomUUID } from 'node:crypto';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { Pool } from 'pg';
import { CloudEvent, EventLogAppender, UnitOfWork } from '@eda/platform';
import { statementsOn, testCloudEvent } from '@eda/platform/testing';
import { aMembership, anOrganization } from '../../../../../../test/support/mothers';
import { startTestApp, TestApp } from '../../../../../../test/support/test-app';
import { KnownUsersHandler } from '../../projections/known-users/known-users.handler';
import { ReleaseCreditHandler } from '../release-credit/release-credit.handler';
import { ReserveCreditHandler } from './reserve-credit.handler';

/**
 * ReserveCredit and its inverse ReleaseCredit (which gives back what this one reserved, so it is tested here), called as
 * the consumer calls them: runOnce in organizations' unit of work, real PostgreSQL.
 */
describe('organizations credit reservation participants', () => {
  let t: TestApp;
  let db: Pool;
  let uow: UnitOfWork;
  let reserveHandler: ReserveCreditHandler;
  let releaseHandler: ReleaseCreditHandler;
  let knownUsers: KnownUsersHandler;

  beforeAll(async () => {
    t = await startTestApp({ DATABASE_POOL_SIZE: '12', ROLES: 'api' });
    db = t.sql;
    uow = new UnitOfWork('organizations', t.app.get(getDataSourceToken('organizations'), { strict: false }), t.app.get(EventLogAppender, { strict: false }));
    reserveHandler = t.app.get(ReserveCreditHandler, { strict: false });
    releaseHandler = t.app.get(ReleaseCreditHandler, { strict: false });
    knownUsers = t.app.get(KnownUsersHandler, { strict: false });
  });
  afterAll(async () => {
    await t.close();
  });

  const message = testCloudEvent;
  const reserveCommand = (data: { orderId: string; organizationId: string; userId: string; amountCents: number }) =>
    message('orders', 'organizations.ReserveCredit', data.orderId, data);
  const reserve = (command: CloudEvent) => uow.runOnce('organizations.reserve-credit', command, (tx) => reserveHandler.handle(command, tx));
  const release = (orderId: string, organizationId: string) => {
    const command = message('orders', 'organizations.ReleaseCredit', orderId, { orderId, organizationId });
    return uow.runOnce('organizations.release-credit', command, (tx) => releaseHandler.handle(command, tx));
  };
  /** A user as the organizations context learns of them: users' events through its projection handler. */
  const knownUser = async (...more: Array<(userId: string) => CloudEvent>) => {
    const userId = randomUUID();
    const events = [
      message('users', 'users.UserRegistered', userId, { userId, email: `${userId}@example.com`, username: `u${userId.slice(0, 8)}`, firstName: 'Ada', lastName: 'Lovelace' }),
      ...more.map((make) => make(userId)),
    ];
    for (const event of events) await uow.runOnce('organizations.known-users', event, (tx) => knownUsers.handle(event, tx));
    return userId;
  };
  const deactivated = (userId: string) => message('users', 'users.UserDeactivated', userId, { userId });
  const organizationWithMember = async (creditLimitCents: number, userId: string) => {
    const org = await anOrganization(t, creditLimitCents, 'Acme');
    await aMembership(t, org.id, userId);
    return org.id;
  };
  const credit = async (organizationId: string) => (await t.request('GET', `/organizations/${organizationId}`)).body;
  const answers = async (orderId: string) =>
    (await db.query('SELECT envelope FROM organizations.event_log WHERE subject = $1 ORDER BY position', [orderId])).rows.map((r) => r.envelope as CloudEvent<any>);

  it('reserves an active member’s order amount and answers CreditReserved keyed by the order id', async () => {
    const userId = await knownUser();
    const organizationId = await organizationWithMember(1_000, userId);
    const orderId = randomUUID();
    const command = reserveCommand({ orderId, organizationId, userId, amountCents: 400 });
    expect(await reserve(command)).toBe(true);
    expect(await credit(organizationId)).toMatchObject({ creditLimitCents: 1_000, creditReservedCents: 400, creditAvailableCents: 600 });
    expect(await answers(orderId)).toEqual([
      expect.objectContaining({
        type: 'organizations.CreditReserved',
        subject: orderId,
        partitionkey: orderId,
        causationid: command.id,
        data: { orderId, organizationId, userId, amountCents: 400 },
      }),
    ]);
  });

  it('rejects with CREDIT_LIMIT_EXCEEDED and reserves nothing when the credit is short', async () => {
    const userId = await knownUser();
    const organizationId = await organizationWithMember(1_000, userId);
    const orderId = randomUUID();
    await reserve(reserveCommand({ orderId, organizationId, userId, amountCents: 1_001 }));
    expect((await credit(organizationId)).creditReservedCents).toBe(0);
    expect((await answers(orderId))[0]).toMatchObject({ type: 'organizations.CreditReservationRejected', data: { reason: 'CREDIT_LIMIT_EXCEEDED' } });
  });

  it('rejects with CUSTOMER_NOT_ELIGIBLE a non-member, a deactivated member, and an unknown organization', async () => {
    const member = await knownUser();
    const organizationId = await organizationWithMember(1_000, member);
    const outsider = await knownUser();
    const cases = [
      { organizationId, userId: outsider },
      { organizationId: randomUUID(), userId: member },
    ];
    for (const c of cases) {
      const orderId = randomUUID();
      await reserve(reserveCommand({ orderId, ...c, amountCents: 1 }));
      expect((await answers(orderId))[0]).toMatchObject({ type: 'organizations.CreditReservationRejected', data: { reason: 'CUSTOMER_NOT_ELIGIBLE' } });
    }
    const leaving = await knownUser();
    const second = await organizationWithMember(1_000, leaving);
    await uow.runOnce('organizations.known-users', deactivated(leaving), (tx) => knownUsers.handle(deactivated(leaving), tx));
    const orderId = randomUUID();
    await reserve(reserveCommand({ orderId, organizationId: second, userId: leaving, amountCents: 1 }));
    expect((await answers(orderId))[0].data.reason).toBe('CUSTOMER_NOT_ELIGIBLE');
    expect((await credit(organizationId)).creditReservedCents).toBe(0);
    expect((await credit(second)).creditReservedCents).toBe(0);
  });

  it('answers a repeated command the same way and never reserves twice; a redelivery is applied once', async () => {
    const userId = await knownUser();
    const organizationId = await organizationWithMember(1_000, userId);
    const orderId = randomUUID();
    const command = reserveCommand({ orderId, organizationId, userId, amountCents: 300 });
    expect(await reserve(command)).toBe(true);
    expect(await reserve(command)).toBe(false);
    expect(await reserve(reserveCommand({ orderId, organizationId, userId, amountCents: 300 }))).toBe(true);
    expect((await credit(organizationId)).creditReservedCents).toBe(300);
    const replies = await answers(orderId);
    expect(replies.map((r) => r.type)).toEqual(['organizations.CreditReserved', 'organizations.CreditReserved']);
    expect(replies[1].data).toEqual(replies[0].data);
  });

  it('releases the order’s credit once; a second release and a release of an unknown order give back 0', async () => {
    const userId = await knownUser();
    const organizationId = await organizationWithMember(1_000, userId);
    const [orderId, other] = [randomUUID(), randomUUID()];
    await reserve(reserveCommand({ orderId, organizationId, userId, amountCents: 300 }));
    await reserve(reserveCommand({ orderId: other, organizationId, userId, amountCents: 200 }));
    await release(orderId, organizationId);
    await release(orderId, organizationId);
    expect((await credit(organizationId)).creditReservedCents).toBe(200);
    const released = (await answers(orderId)).filter((e) => e.type === 'organizations.CreditReleased').map((e) => e.data.amountCents);
    expect(released).toEqual([300, 0]);
    const never = randomUUID();
    await release(never, organizationId);
    expect(await answers(never)).toEqual([expect.objectContaining({ type: 'organizations.CreditReleased', partitionkey: never, data: { orderId: never, organizationId, amountCents: 0 } })]);
  });

  it('refuses through REST a credit limit below what is reserved (422) and changes nothing', async () => {
    const userId = await knownUser();
    const organizationId = await organizationWithMember(1_000, userId);
    await reserve(reserveCommand({ orderId: randomUUID(), organizationId, userId, amountCents: 600 }));
    const res = await t.request('PATCH', `/organizations/${organizationId}`, { creditLimitCents: 599 });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('ORGANIZATIONS.CREDIT_LIMIT_BELOW_RESERVED');
    expect(await credit(organizationId)).toMatchObject({ creditLimitCents: 1_000, creditReservedCents: 600 });
    expect((await t.request('PATCH', `/organizations/${organizationId}`, { creditLimitCents: 600 })).body.creditAvailableCents).toBe(0);
  });

  it('never lets reserved credit exceed the limit under many concurrent reservations', async () => {
    const userId = await knownUser();
    const organizationId = await organizationWithMember(1_000, userId);
    const orders = Array.from({ length: 40 }, () => randomUUID());
    await Promise.all(orders.map((orderId) => reserve(reserveCommand({ orderId, organizationId, userId, amountCents: 100 }))));
    expect(await credit(organizationId)).toMatchObject({ creditReservedCents: 1_000, creditAvailableCents: 0 });
    const { rows } = await db.query(
      `SELECT envelope->'data'->>'reason' AS reason, count(*)::int AS n FROM organizations.event_log WHERE subject = ANY($1) GROUP BY 1 ORDER BY 1`,
      [orders],
    );
    expect(rows).toEqual([
      { reason: 'CREDIT_LIMIT_EXCEEDED', n: 30 },
      { reason: null, n: 10 },
    ]);
  });

  it('applies a batch as one transaction, loaded and written once, with the result of applying it one by one', async () => {
    const [member, outsider] = [await knownUser(), await knownUser()];
    const [acme, other] = [await organizationWithMember(1_000, member), await organizationWithMember(500, member)];
    const membersBefore = (await credit(acme)).members;
    const [first, second, third, fourth, fifth] = [randomUUID(), randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    const commands = [
      reserveCommand({ orderId: first, organizationId: acme, userId: member, amountCents: 600 }),
      reserveCommand({ orderId: second, organizationId: other, userId: member, amountCents: 300 }),
      // 400 left on acme: refused, and nothing of it taken.
      reserveCommand({ orderId: third, organizationId: acme, userId: member, amountCents: 401 }),
      reserveCommand({ orderId: fourth, organizationId: acme, userId: outsider, amountCents: 1 }),
      // The first order's command again, with a new message id: the first answer again, nothing reserved twice.
      reserveCommand({ orderId: first, organizationId: acme, userId: member, amountCents: 600 }),
      reserveCommand({ orderId: fifth, organizationId: acme, userId: member, amountCents: 400 }),
    ];
    const batch = () => uow.runBatch('organizations.reserve-credit', commands, (c, tx) => reserveHandler.handle(c, tx), undefined, {
      prepare: (all, tx) => reserveHandler.prepareBatch(all, tx),
      finish: (tx) => reserveHandler.finishBatch(tx),
    });
    let applied: boolean[] = [];
    const organizationStatements = await statementsOn(['organizations', 'organization_members'], async () => {
      applied = await batch();
    });
    expect(applied).toEqual(commands.map(() => true));
    // Both organizations changed: locked in one statement (their members read in one more), written in one.
    expect(organizationStatements).toEqual(['SELECT organizations', 'SELECT organization_members', 'UPDATE organizations']);
    expect(await credit(acme)).toMatchObject({ creditReservedCents: 1_000, creditAvailableCents: 0, members: membersBefore });
    expect((await credit(other)).creditReservedCents).toBe(300);
    const answered = async (orderId: string) => (await answers(orderId)).map((e) => [e.type, e.causationid, e.data.reason ?? null]);
    expect(await answered(first)).toEqual([['organizations.CreditReserved', commands[0].id, null], ['organizations.CreditReserved', commands[4].id, null]]);
    expect(await answered(second)).toEqual([['organizations.CreditReserved', commands[1].id, null]]);
    expect(await answered(third)).toEqual([['organizations.CreditReservationRejected', commands[2].id, 'CREDIT_LIMIT_EXCEEDED']]);
    expect(await answered(fourth)).toEqual([['organizations.CreditReservationRejected', commands[3].id, 'CUSTOMER_NOT_ELIGIBLE']]);
    expect(await answered(fifth)).toEqual([['organizations.CreditReserved', commands[5].id, null]]);
    // Redelivered as a batch: all in the inbox, nothing applied or answered twice.
    expect(await batch()).toEqual(commands.map(() => false));
    expect((await credit(acme)).creditReservedCents).toBe(1_000);
    expect(await answered(fifth)).toHaveLength(1);
  });

  it('has the database refuse reserved credit beyond the limit, whatever the code does', async () => {
    const org = await anOrganization(t, 10, 'Acme');
    await expect(db.query('UPDATE organizations.organizations SET credit_reserved_cents = 11 WHERE id = $1', [org.id])).rejects.toThrow(/organizations_reserved_within_limit/);
  });

  it('refuses a malformed command by throwing (the consumer retries, then parks it)', async () => {
    const orderId = randomUUID();
    await expect(reserve(reserveCommand({ orderId, organizationId: randomUUID(), userId: randomUUID(), amountCents: -5 }))).rejects.toMatchObject({
      code: 'ORGANIZATIONS.INVALID_CREDIT_RESERVATION',
    });
    expect(await answers(orderId)).toEqual([]);
  });
});
