import { AggregateRoot } from '@eda/platform/ddd';
import type {
  CreditLimitChangedData,
  MemberAddedData,
  MemberRemovedData,
  OrganizationCreatedData,
  OrganizationRenamedData,
  OrganizationRole,
} from '@eda/contracts';
import {
  CreditLimitBelowReservedError,
  CreditLimitExceededError,
  InvalidOrganizationError,
  MemberAlreadyExistsError,
  MemberNotFoundError,
  UnknownUserError,
  UserInactiveError,
} from './organization.errors';

export const ORGANIZATION_ROLES: readonly OrganizationRole[] = ['admin', 'member'];

export interface Member {
  userId: string;
  role: OrganizationRole;
  addedAt: Date;
}

export interface OrganizationState {
  id: string;
  name: string;
  creditLimitCents: number;
  creditReservedCents: number;
  members: Member[];
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

/** What the organizations context knows of a user, from users' events (its own read model). */
export interface UserStanding {
  active: boolean;
}

function requireName(name: string): string {
  const trimmed = name.trim();
  if (trimmed.length === 0 || trimmed.length > 200) throw new InvalidOrganizationError('name must have 1 to 200 characters.');
  return trimmed;
}

function requireCents(field: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) throw new InvalidOrganizationError(`${field} must be a non-negative integer (minor units).`);
  return value;
}

/** An organization: its members, and a credit line orders reserve from; reserved credit never exceeds the limit. */
export class Organization extends AggregateRoot {
  private constructor(private state: OrganizationState) {
    super();
  }

  static create(input: { id: string; name: string; creditLimitCents: number }, now: Date): Organization {
    const organization = new Organization({
      id: input.id,
      name: requireName(input.name),
      creditLimitCents: requireCents('creditLimitCents', input.creditLimitCents),
      creditReservedCents: 0,
      members: [],
      version: 0,
      createdAt: now,
      updatedAt: now,
    });
    organization.record<OrganizationCreatedData>('OrganizationCreated', {
      organizationId: organization.id,
      name: organization.state.name,
      creditLimitCents: organization.state.creditLimitCents,
    });
    return organization;
  }

  static restore(state: OrganizationState): Organization {
    return new Organization({ ...state, members: state.members.map((m) => ({ ...m })) });
  }

  get id(): string {
    return this.state.id;
  }

  get creditAvailableCents(): number {
    return this.state.creditLimitCents - this.state.creditReservedCents;
  }

  snapshot(): Readonly<OrganizationState> {
    return { ...this.state, members: this.state.members.map((m) => ({ ...m })) };
  }

  /** Records nothing when the name is already so. */
  rename(name: string, now: Date): void {
    const trimmed = requireName(name);
    if (trimmed === this.state.name) return;
    this.state = { ...this.state, name: trimmed, updatedAt: now };
    this.record<OrganizationRenamedData>('OrganizationRenamed', { organizationId: this.id, name: trimmed });
  }

  /** Refuses a limit below what orders already hold: lowering it would break the credit invariant. */
  changeCreditLimit(creditLimitCents: number, now: Date): void {
    requireCents('creditLimitCents', creditLimitCents);
    if (creditLimitCents === this.state.creditLimitCents) return;
    if (creditLimitCents < this.state.creditReservedCents) throw new CreditLimitBelowReservedError(creditLimitCents, this.state.creditReservedCents);
    this.state = { ...this.state, creditLimitCents, updatedAt: now };
    this.record<CreditLimitChangedData>('CreditLimitChanged', { organizationId: this.id, creditLimitCents });
  }

  /** `standing` is the context's own view of the user (null: never heard of); it must be active. */
  addMember(userId: string, role: OrganizationRole, standing: UserStanding | null, now: Date): void {
    if (!ORGANIZATION_ROLES.includes(role)) throw new InvalidOrganizationError(`role must be one of ${ORGANIZATION_ROLES.join(', ')}.`);
    if (this.state.members.some((m) => m.userId === userId)) throw new MemberAlreadyExistsError(this.id, userId);
    if (!standing) throw new UnknownUserError(userId);
    if (!standing.active) throw new UserInactiveError(userId);
    this.state = { ...this.state, members: [...this.state.members, { userId, role, addedAt: now }], updatedAt: now };
    this.record<MemberAddedData>('MemberAdded', { organizationId: this.id, organizationName: this.state.name, userId, role });
  }

  removeMember(userId: string, now: Date): void {
    if (!this.state.members.some((m) => m.userId === userId)) throw new MemberNotFoundError(this.id, userId);
    this.state = { ...this.state, members: this.state.members.filter((m) => m.userId !== userId), updatedAt: now };
    this.record<MemberRemovedData>('MemberRemoved', { organizationId: this.id, userId });
  }

  /** Who may order on the organization's credit: a member whom the context knows as active. */
  isEligible(userId: string, standing: UserStanding | null): boolean {
    return this.state.members.some((m) => m.userId === userId) && standing?.active === true;
  }

  /** The credit reservation, not the organization, records the answer. */
  reserveCredit(amountCents: number, now: Date): void {
    requireCents('amountCents', amountCents);
    if (amountCents > this.creditAvailableCents) throw new CreditLimitExceededError(amountCents, this.creditAvailableCents);
    this.state = { ...this.state, creditReservedCents: this.state.creditReservedCents + amountCents, updatedAt: now };
  }

  /** Gives back at most what is reserved, so a stray release can never drive the reservation negative. */
  releaseCredit(amountCents: number, now: Date): void {
    requireCents('amountCents', amountCents);
    this.state = { ...this.state, creditReservedCents: Math.max(0, this.state.creditReservedCents - amountCents), updatedAt: now };
  }
}
