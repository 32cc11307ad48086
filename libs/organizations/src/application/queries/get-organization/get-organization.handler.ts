import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { OrganizationNotFoundError } from '../../../domain/organization.errors';
import { OrganizationSchema } from '../../../infrastructure/persistence/organization.schema';
import { GetOrganizationQuery, OrganizationView } from './get-organization.query';

@QueryHandler(GetOrganizationQuery)
export class GetOrganizationHandler implements IQueryHandler<GetOrganizationQuery> {
  constructor(@InjectDataSource('organizations') private readonly db: DataSource) {}

  async execute({ organizationId }: GetOrganizationQuery): Promise<OrganizationView> {
    const row = await this.db.getRepository(OrganizationSchema).findOneBy({ id: organizationId });
    if (!row) throw new OrganizationNotFoundError(organizationId);
    const members: Array<{ user_id: string; role: string; username: string | null; first_name: string | null; last_name: string | null }> =
      await this.db.query(
        `SELECT m.user_id, m.role, u.username, u.first_name, u.last_name
         FROM organization_members m LEFT JOIN known_users u ON u.user_id = m.user_id
         WHERE m.organization_id = $1 ORDER BY m.added_at, m.user_id`,
        [organizationId],
      );
    return {
      id: row.id,
      name: row.name,
      creditLimitCents: row.creditLimitCents,
      creditReservedCents: row.creditReservedCents,
      creditAvailableCents: row.creditLimitCents - row.creditReservedCents,
      members: members.map((m) => ({
        userId: m.user_id,
        username: m.username,
        fullName: m.first_name === null ? null : `${m.first_name} ${m.last_name}`,
        role: m.role,
      })),
    };
  }
}
