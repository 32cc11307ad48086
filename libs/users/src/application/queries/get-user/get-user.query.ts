import { Query } from '@nestjs/cqrs';

export interface UserView {
  id: string;
  email: string;
  username: string;
  firstName: string;
  lastName: string;
  status: 'ACTIVE' | 'DEACTIVATED';
  organizations: Array<{ organizationId: string; name: string; role: string }>;
  createdAt: string;
  updatedAt: string;
}

export class GetUserQuery extends Query<UserView> {
  constructor(readonly userId: string) {
    super();
  }
}
