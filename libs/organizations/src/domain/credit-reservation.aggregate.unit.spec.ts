import { CreditReservation, requireCreditRequest } from './credit-reservation.aggregate';
import { Organization } from './organization.aggregate';
import { InvalidCreditReservationError } from './organization.errors';

const now = new Date('2026-01-01T00:00:00Z');
const active = { active: true };
const request = (amountCents: number, userId = 'u-1') => ({ orderId: 'order-1', organizationId: 'org-1', userId, amountCents });
const organization = (limit = 1_000) => {
  const org = Organization.create({ id: 'org-1', name: 'Acme', creditLimitCents: limit }, now);
  org.addMember('u-1', 'member', active, now);
  org.pullEvents();
  return org;
};

describe('CreditReservation', () => {
  it('reserves an active member’s amount and records CreditReserved keyed by the order id', () => {
    const org = organization();
    const reservation = CreditReservation.place(request(400), org, active, now);
    expect(org.snapshot().creditReservedCents).toBe(400);
    expect(reservation.pullEvents()).toEqual([
      { name: 'CreditReserved', aggregateId: 'order-1', data: { orderId: 'order-1', organizationId: 'org-1', userId: 'u-1', amountCents: 400 } },
    ]);
  });

  it('rejects with CREDIT_LIMIT_EXCEEDED and reserves nothing when the credit is short', () => {
    const org = organization(1_000);
    const reservation = CreditReservation.place(request(1_001), org, active, now);
    expect(org.snapshot().creditReservedCents).toBe(0);
    expect(reservation.pullEvents()[0]).toMatchObject({ name: 'CreditReservationRejected', data: { reason: 'CREDIT_LIMIT_EXCEEDED', amountCents: 1_001 } });
  });

  it.each([
    ['the user is not a member', request(1, 'u-2'), active],
    ['the member is deactivated', request(1), { active: false }],
    ['the member is unknown to the context', request(1), null],
  ])('rejects with CUSTOMER_NOT_ELIGIBLE when %s', (_what, req, standing) => {
    const org = organization();
    const reservation = CreditReservation.place(req, org, standing, now);
    expect(reservation.snapshot()).toMatchObject({ outcome: 'REJECTED', reason: 'CUSTOMER_NOT_ELIGIBLE' });
    expect(org.snapshot().creditReservedCents).toBe(0);
  });

  it('rejects with CUSTOMER_NOT_ELIGIBLE when the organization does not exist', () => {
    expect(CreditReservation.place(request(1), null, active, now).snapshot().reason).toBe('CUSTOMER_NOT_ELIGIBLE');
  });

  it('answers a repeated command with the first answer, reserving nothing more', () => {
    const org = organization();
    const first = CreditReservation.place(request(300), org, active, now);
    const answer = first.pullEvents();
    const again = CreditReservation.restore(first.snapshot());
    again.answerAgain();
    expect(again.pullEvents()).toEqual(answer);
    expect(org.snapshot().creditReservedCents).toBe(300);
  });

  it('releases the held credit once; a second release gives back 0', () => {
    const org = organization();
    const reservation = CreditReservation.place(request(300), org, active, now);
    org.reserveCredit(200, now); // another order's credit must survive
    reservation.pullEvents();
    reservation.release(org, now);
    reservation.release(org, now);
    expect(org.snapshot().creditReservedCents).toBe(200);
    expect(reservation.pullEvents().map((e) => (e.data as { amountCents: number }).amountCents)).toEqual([300, 0]);
  });

  it.each([
    [{ ...request(1), orderId: '' }],
    [{ ...request(1), organizationId: undefined }],
    [request(-1)],
    [request(1.5)],
    [{ ...request(1), amountCents: '100' }],
    [null],
  ])('refuses a malformed command %p', (data) => {
    expect(() => requireCreditRequest(data)).toThrow(InvalidCreditReservationError);
  });
});
