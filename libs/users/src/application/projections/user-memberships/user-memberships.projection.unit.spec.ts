import { evolveUserMembership, membershipScope, UserMembership } from './user-memberships.projection';

const added = { id: 'e1', type: 'organizations.MemberAdded', data: { organizationId: 'o-1', organizationName: 'Acme', userId: 'u-1', role: 'admin' } };

describe('user memberships projection', () => {
  it('creates a membership with the organization name from MemberAdded, recording the event id', () => {
    expect(evolveUserMembership(null, added)).toEqual({ userId: 'u-1', organizationId: 'o-1', organizationName: 'Acme', role: 'admin', lastEventId: 'e1' });
  });

  it('renames the membership on OrganizationRenamed and deletes it on MemberRemoved', () => {
    const row = evolveUserMembership(null, added) as UserMembership;
    const renamed = evolveUserMembership(row, { id: 'e2', type: 'organizations.OrganizationRenamed', data: { organizationId: 'o-1', name: 'Acme Ltd' } });
    expect(renamed).toMatchObject({ organizationName: 'Acme Ltd', lastEventId: 'e2' });
    expect(evolveUserMembership(renamed, { id: 'e3', type: 'organizations.MemberRemoved', data: { organizationId: 'o-1', userId: 'u-1' } })).toBeNull();
  });

  it('creates nothing from a removal or a rename of a membership it never saw', () => {
    expect(evolveUserMembership(null, { id: 'e3', type: 'organizations.MemberRemoved', data: { organizationId: 'o-1', userId: 'u-1' } })).toBeNull();
    expect(evolveUserMembership(null, { id: 'e2', type: 'organizations.OrganizationRenamed', data: { organizationId: 'o-1', name: 'X' } })).toBeNull();
  });

  it('scopes a rename to the whole organization and member events to one membership', () => {
    expect(membershipScope({ id: 'e', type: 'organizations.OrganizationRenamed', data: { organizationId: 'o-1', name: 'X' } })).toEqual({ organizationId: 'o-1' });
    expect(membershipScope(added)).toEqual({ organizationId: 'o-1', userId: 'u-1' });
  });
});
