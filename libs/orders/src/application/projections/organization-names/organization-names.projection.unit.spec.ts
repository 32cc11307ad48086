import { evolveOrganizationName } from './organization-names.projection';

describe('organization names projection', () => {
  it('names an organization by its name, from OrganizationCreated and OrganizationRenamed', () => {
    const created = evolveOrganizationName(null, { id: 'e1', type: 'organizations.OrganizationCreated', data: { organizationId: 'org-1', name: 'Acme', creditLimitCents: 0 } });
    expect(created).toEqual({ organizationId: 'org-1', name: 'Acme', lastEventId: 'e1' });
    expect(evolveOrganizationName(created, { id: 'e3', type: 'organizations.OrganizationRenamed', data: { organizationId: 'org-1', name: 'Acme Ltd' } })).toEqual({
      organizationId: 'org-1', name: 'Acme Ltd', lastEventId: 'e3',
    });
  });

  it('leaves the name alone for an event that carries none', () => {
    const row = { organizationId: 'org-1', name: 'Acme', lastEventId: 'e1' };
    expect(evolveOrganizationName(row, { id: 'e4', type: 'organizations.CreditLimitChanged', data: { organizationId: 'org-1', creditLimitCents: 5 } })).toBe(row);
  });
});
