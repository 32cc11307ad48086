import { Organization } from './organization.aggregate';
import {
  CreditLimitBelowReservedError,
  CreditLimitExceededError,
  InvalidOrganizationError,
  MemberAlreadyExistsError,
  MemberNotFoundError,
  UnknownUserError,
  UserInactiveError,
} from './organization.errors';

const now = new Date('2026-01-01T00:00:00Z');
const active = { active: true };
const create = (overrides: Partial<Parameters<typeof Organization.create>[0]> = {}) =>
  Organization.create({ id: 'org-1', name: ' Acme ', creditLimitCents: 10_000, ...overrides }, now);
const fresh = () => {
  const org = create();
  org.pullEvents();
  return org;
};

describe('Organization', () => {
  it('is created with its credit limit, nothing reserved, no members, and records OrganizationCreated', () => {
    const org = create();
    expect(org.snapshot()).toMatchObject({ name: 'Acme', creditLimitCents: 10_000, creditReservedCents: 0, members: [] });
    expect(org.pullEvents()).toEqual([
      { name: 'OrganizationCreated', aggregateId: 'org-1', data: { organizationId: 'org-1', name: 'Acme', creditLimitCents: 10_000 } },
    ]);
  });

  it.each([
    ['a blank name', { name: ' ' }],
    ['an over-long name', { name: 'x'.repeat(201) }],
    ['a negative limit', { creditLimitCents: -1 }],
    ['a fractional limit', { creditLimitCents: 0.5 }],
  ])('refuses %s', (_what, overrides) => {
    expect(() => create(overrides)).toThrow(InvalidOrganizationError);
  });

  it('records OrganizationRenamed only when the name really changes', () => {
    const org = fresh();
    org.rename('Acme', now);
    expect(org.pullEvents()).toEqual([]);
    org.rename('Acme Ltd', now);
    expect(org.pullEvents()).toEqual([{ name: 'OrganizationRenamed', aggregateId: 'org-1', data: { organizationId: 'org-1', name: 'Acme Ltd' } }]);
  });

  it('changes the credit limit and records CreditLimitChanged', () => {
    const org = fresh();
    org.changeCreditLimit(500, now);
    expect(org.pullEvents()).toEqual([{ name: 'CreditLimitChanged', aggregateId: 'org-1', data: { organizationId: 'org-1', creditLimitCents: 500 } }]);
  });

  it('refuses a credit limit below what is reserved, and accepts one equal to it', () => {
    const org = fresh();
    org.reserveCredit(3_000, now);
    expect(() => org.changeCreditLimit(2_999, now)).toThrow(CreditLimitBelowReservedError);
    org.changeCreditLimit(3_000, now);
    expect(org.creditAvailableCents).toBe(0);
  });

  it('adds an active known user with a role and records MemberAdded carrying the organization name', () => {
    const org = fresh();
    org.addMember('u-1', 'admin', active, now);
    expect(org.snapshot().members).toEqual([{ userId: 'u-1', role: 'admin', addedAt: now }]);
    expect(org.pullEvents()).toEqual([
      { name: 'MemberAdded', aggregateId: 'org-1', data: { organizationId: 'org-1', organizationName: 'Acme', userId: 'u-1', role: 'admin' } },
    ]);
  });

  it('refuses an unknown user, a deactivated user, an unknown role, and a member added twice', () => {
    const org = fresh();
    expect(() => org.addMember('u-1', 'member', null, now)).toThrow(UnknownUserError);
    expect(() => org.addMember('u-1', 'member', { active: false }, now)).toThrow(UserInactiveError);
    expect(() => org.addMember('u-1', 'owner' as never, active, now)).toThrow(InvalidOrganizationError);
    org.addMember('u-1', 'member', active, now);
    expect(() => org.addMember('u-1', 'admin', active, now)).toThrow(MemberAlreadyExistsError);
    expect(org.pullEvents().map((e) => e.name)).toEqual(['MemberAdded']);
  });

  it('removes a member and records MemberRemoved; removing a non-member is refused', () => {
    const org = fresh();
    org.addMember('u-1', 'member', active, now);
    org.pullEvents();
    org.removeMember('u-1', now);
    expect(org.pullEvents()).toEqual([{ name: 'MemberRemoved', aggregateId: 'org-1', data: { organizationId: 'org-1', userId: 'u-1' } }]);
    expect(() => org.removeMember('u-1', now)).toThrow(MemberNotFoundError);
  });

  it('counts as eligible only a member the context knows as active', () => {
    const org = fresh();
    org.addMember('u-1', 'member', active, now);
    expect(org.isEligible('u-1', active)).toBe(true);
    expect(org.isEligible('u-1', { active: false })).toBe(false);
    expect(org.isEligible('u-1', null)).toBe(false);
    expect(org.isEligible('u-2', active)).toBe(false);
  });

  it('reserves up to the limit, refuses more, and never releases below zero', () => {
    const org = fresh();
    org.reserveCredit(10_000, now);
    expect(() => org.reserveCredit(1, now)).toThrow(CreditLimitExceededError);
    org.releaseCredit(25_000, now);
    expect(org.snapshot().creditReservedCents).toBe(0);
  });
});
