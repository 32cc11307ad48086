import { Query } from '@nestjs/cqrs';

export interface OrganizationMemberView {
  userId: string;
  /** From the context's read model of users; null until users' events about the member have arrived. */
  username: string | null;
  fullName: string | null;
  role: string;
}

export interface OrganizationView {
  id: string;
  name: string;
  creditLimitCents: number;
  creditReservedCents: number;
  creditAvailableCents: number;
  members: OrganizationMemberView[];
}

export class GetOrganizationQuery extends Query<OrganizationView> {
  constructor(readonly organizationId: string) {
    super();
  }
}
