import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { ConcurrencyConflictError } from '@eda/platform';
import { createMigratedDataSource, statementsOn } from '@eda/platform/testing';
import { Organization } from '../../domain/organization.aggregate';
import { CreateOrganizations1763900200000 } from './migrations/1763900200000-create-organizations';
import { OrganizationRepository } from './organization.repository';
import { CreditReservationSchema, OrganizationMemberSchema, OrganizationSchema } from './organization.schema';
import { KnownUserSchema } from './read-models.schema';

const t0 = new Date('2026-01-01T00:00:00Z');
const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000);
const active = { active: true };

/** The organizations table on real PostgreSQL: many organizations written at once, each as `save` writes one. */
describe('OrganizationRepository.saveMany', () => {
  let ds: DataSource;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ dataSource: ds, close } = await createMigratedDataSource({
      entities: [OrganizationSchema, OrganizationMemberSchema, CreditReservationSchema, KnownUserSchema],
      migrations: [CreateOrganizations1763900200000],
    }));
  });
  afterAll(() => close());

  const locked = (ids: string[], work: (organizations: OrganizationRepository, found: Map<string, Organization>) => Promise<void>) =>
    ds.transaction(async (manager) => {
      const organizations = new OrganizationRepository(manager);
      await work(organizations, await organizations.findManyForUpdate(ids));
    });

  /** An organization with an admin, as stored (version 2: created, then the admin added). */
  const added = async (): Promise<string> => {
    const id = randomUUID();
    await new OrganizationRepository(ds.manager).add(Organization.create({ id, name: 'Acme', creditLimitCents: 10_000 }, t0));
    await locked([id], async (organizations, found) => {
      found.get(id)!.addMember(randomUUID(), 'admin', active, t0);
      await organizations.save(found.get(id)!);
    });
    return id;
  };
  const loaded = async (id: string) => {
    const { id: _id, members, ...state } = (await ds.transaction((manager) => new OrganizationRepository(manager).getForUpdate(id))).snapshot();
    return { ...state, roles: members.map((m) => m.role) };
  };

  it('writes the organizations in one statement, each as save writes it, and their members only when they changed', async () => {
    const [bySave, creditOnly, withNewMember] = [await added(), await added(), await added()];
    await locked([bySave, creditOnly, withNewMember], async (organizations, found) => {
      for (const organization of found.values()) {
        organization.rename('Acme Ltd', at(1));
        organization.changeCreditLimit(20_000, at(2));
        organization.reserveCredit(1_500, at(3));
      }
      found.get(withNewMember)!.addMember(randomUUID(), 'member', active, at(4));
      await organizations.save(found.get(bySave)!);
      const statements = await statementsOn(['organizations', 'organization_members'], () => organizations.saveMany([found.get(creditOnly)!, found.get(withNewMember)!]));
      expect(statements).toEqual(['UPDATE organizations', 'DELETE organization_members', 'INSERT organization_members']);
    });
    const expected = { name: 'Acme Ltd', creditLimitCents: 20_000, creditReservedCents: 1_500, version: 3, createdAt: t0, updatedAt: at(3), roles: ['admin'] };
    expect(await loaded(bySave)).toEqual(expected);
    expect(await loaded(creditOnly)).toEqual(expected);
    expect(await loaded(withNewMember)).toEqual({ ...expected, updatedAt: at(4), roles: ['admin', 'member'] });
  });

  it('refuses the whole write when one organization moved since it was read: ConcurrencyConflictError, and its transaction writes nothing', async () => {
    const [current, changedElsewhere] = [await added(), await added()];
    const write = ds.transaction(async (manager) => {
      const organizations = new OrganizationRepository(manager);
      const found = await organizations.findManyForUpdate([current, changedElsewhere]);
      // Written behind the loaded organization's back (the row lock is this transaction's own).
      await manager.query(`UPDATE organizations SET name = 'Elsewhere', version = version + 1 WHERE id = $1`, [changedElsewhere]);
      for (const organization of found.values()) organization.reserveCredit(100, at(1));
      await organizations.saveMany(found.values());
    });
    await expect(write).rejects.toBeInstanceOf(ConcurrencyConflictError);
    await expect(write).rejects.toThrow(`Organization ${changedElsewhere} was changed concurrently`);
    expect(await loaded(current)).toMatchObject({ creditReservedCents: 0, version: 2 });
    expect(await loaded(changedElsewhere)).toMatchObject({ name: 'Acme', creditReservedCents: 0, version: 2 });
  });
});
