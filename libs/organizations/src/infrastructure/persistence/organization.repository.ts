import { In, type EntityManager } from 'typeorm';
import { isUuid, updateVersionedRows } from '@eda/platform';
import { Organization, UserStanding } from '../../domain/organization.aggregate';
import { OrganizationNotFoundError } from '../../domain/organization.errors';
import { OrganizationMemberSchema, OrganizationSchema } from './organization.schema';
import { KnownUserSchema } from './read-models.schema';

/**
 * Loads organizations for change with a row lock (SELECT ... FOR UPDATE), so credit reservations and REST
 * changes of one organization queue up rather than fail; `version` still guards against lost updates.
 */
export class OrganizationRepository {
  /** The members each loaded organization had, so `save` rewrites them only when they changed. */
  private readonly loadedMembers = new WeakMap<Organization, string>();

  constructor(private readonly manager: EntityManager) {}

  async getForUpdate(id: string): Promise<Organization> {
    const found = await this.findForUpdate(id);
    if (!found) throw new OrganizationNotFoundError(id);
    return found;
  }

  async findForUpdate(id: string): Promise<Organization | null> {
    if (!isUuid(id)) return null;
    const row = await this.manager.getRepository(OrganizationSchema).findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
    if (!row) return null;
    const members = await this.manager.getRepository(OrganizationMemberSchema).find({ where: { organizationId: id }, order: { addedAt: 'ASC' } });
    const organization = Organization.restore({ ...row, members: members.map(({ userId, role, addedAt }) => ({ userId, role, addedAt })) });
    this.loadedMembers.set(organization, membersKey(organization.snapshot().members));
    return organization;
  }

  /** Many at once, locked in id order (the order every transaction uses); ids that are not organizations are left out. */
  async findManyForUpdate(ids: string[]): Promise<Map<string, Organization>> {
    const wanted = [...new Set(ids.filter((id) => isUuid(id)))].sort();
    if (wanted.length === 0) return new Map();
    const rows = await this.manager
      .getRepository(OrganizationSchema)
      .createQueryBuilder('o')
      .where({ id: In(wanted) })
      .orderBy('o.id', 'ASC')
      .setLock('pessimistic_write')
      .getMany();
    if (rows.length === 0) return new Map();
    const members = await this.manager
      .getRepository(OrganizationMemberSchema)
      .find({ where: { organizationId: In(rows.map((r) => r.id)) }, order: { addedAt: 'ASC' } });
    const found = new Map<string, Organization>();
    for (const row of rows) {
      const own = members.filter((m) => m.organizationId === row.id).map(({ userId, role, addedAt }) => ({ userId, role, addedAt }));
      const organization = Organization.restore({ ...row, members: own });
      this.loadedMembers.set(organization, membersKey(organization.snapshot().members));
      found.set(row.id, organization);
    }
    return found;
  }

  /** The standing of many users at once (see standingOf); users never heard of are left out. */
  async standingsOf(userIds: string[]): Promise<Map<string, UserStanding>> {
    const wanted = [...new Set(userIds.filter((id) => isUuid(id)))];
    if (wanted.length === 0) return new Map();
    const rows = await this.manager.getRepository(KnownUserSchema).findBy({ userId: In(wanted) });
    return new Map(rows.map((row) => [row.userId, { active: row.active }]));
  }

  /** The context's own view of a user (its read model of users' events); null when it never heard of them. */
  async standingOf(userId: string): Promise<UserStanding | null> {
    if (!isUuid(userId)) return null;
    const row = await this.manager.getRepository(KnownUserSchema).findOneBy({ userId });
    return row ? { active: row.active } : null;
  }

  async add(organization: Organization): Promise<void> {
    const { members: _none, ...state } = organization.snapshot();
    await this.manager.getRepository(OrganizationSchema).insert({ ...state, version: 1 });
  }

  /** Writes an organization's changes and its members, conditional on the version it was read at. */
  async save(organization: Organization): Promise<void> {
    await this.saveMany([organization]);
  }

  /**
   * Writes many organizations (all but the id and the creation time, which never change), each conditional on its
   * version, their rows in one statement, then their members where they changed: a credit batch's organizations are
   * locked until commit, and another shard's batch waits. The one write path of an organization, `save` included.
   */
  async saveMany(organizations: Iterable<Organization>): Promise<void> {
    const all = [...organizations];
    await updateVersionedRows(this.manager, {
      entity: 'Organization',
      table: 'organizations',
      key: { column: 'id', type: 'uuid' },
      columns: { name: 'text', credit_limit_cents: 'bigint', credit_reserved_cents: 'bigint', updated_at: 'timestamptz' },
      rows: all.map((organization) => {
        const o = organization.snapshot();
        return {
          key: o.id,
          version: o.version,
          values: { name: o.name, credit_limit_cents: o.creditLimitCents, credit_reserved_cents: o.creditReservedCents, updated_at: o.updatedAt },
        };
      }),
    });
    for (const organization of all) await this.saveMembers(organization);
  }

  private async saveMembers(organization: Organization): Promise<void> {
    const { id, members } = organization.snapshot();
    // A credit reservation changes the credit only: the members stay as they were.
    if (this.loadedMembers.get(organization) === membersKey(members)) return;
    await this.manager.query(`DELETE FROM organization_members WHERE organization_id = $1 AND NOT (user_id = ANY($2::uuid[]))`, [
      id,
      members.map((m) => m.userId),
    ]);
    if (members.length > 0) {
      await this.manager
        .createQueryBuilder()
        .insert()
        .into(OrganizationMemberSchema)
        .values(members.map((m) => ({ organizationId: id, ...m })))
        .orIgnore()
        .execute();
    }
  }
}

function membersKey(members: ReadonlyArray<{ userId: string; role: string }>): string {
  return members.map((m) => `${m.userId}:${m.role}`).join(',');
}
