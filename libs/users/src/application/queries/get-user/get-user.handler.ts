import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { UserNotFoundError } from '../../../domain/user.errors';
import { UserMembershipSchema } from '../../../infrastructure/persistence/read-models.schema';
import { UserSchema } from '../../../infrastructure/persistence/user.schema';
import { GetUserQuery, UserView } from './get-user.query';

@QueryHandler(GetUserQuery)
export class GetUserHandler implements IQueryHandler<GetUserQuery> {
  constructor(@InjectDataSource('users') private readonly db: DataSource) {}

  async execute({ userId }: GetUserQuery): Promise<UserView> {
    const user = await this.db.getRepository(UserSchema).findOneBy({ id: userId });
    if (!user) throw new UserNotFoundError(userId);
    const memberships = await this.db.getRepository(UserMembershipSchema).find({ where: { userId }, order: { organizationName: 'ASC' } });
    return {
      id: user.id,
      email: user.email,
      username: user.username,
      firstName: user.firstName,
      lastName: user.lastName,
      status: user.status,
      organizations: memberships.map((m) => ({ organizationId: m.organizationId, name: m.organizationName, role: m.role })),
      createdAt: user.createdAt.toISOString(),
      updatedAt: user.updatedAt.toISOString(),
    };
  }
}
