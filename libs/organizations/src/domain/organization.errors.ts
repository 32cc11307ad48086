import { DomainError } from '@eda/platform/ddd';

export class OrganizationNotFoundError extends DomainError {
  constructor(id: string) {
    super('ORGANIZATIONS.ORGANIZATION_NOT_FOUND', `Organization ${id} does not exist.`);
  }
}

export class InvalidOrganizationError extends DomainError {
  constructor(message: string) {
    super('ORGANIZATIONS.INVALID_ORGANIZATION', message);
  }
}

/** 422: the organizations context's own view of users has never heard of this user. */
export class UnknownUserError extends DomainError {
  constructor(userId: string) {
    super('ORGANIZATIONS.UNKNOWN_USER', `User ${userId} is not known to the organizations context.`);
  }
}

/** 422: the user is deactivated, as far as the organizations context's view of users knows. */
export class UserInactiveError extends DomainError {
  constructor(userId: string) {
    super('ORGANIZATIONS.USER_INACTIVE', `User ${userId} is deactivated.`);
  }
}

export class MemberAlreadyExistsError extends DomainError {
  constructor(organizationId: string, userId: string) {
    super('ORGANIZATIONS.MEMBER_ALREADY_EXISTS', `User ${userId} is already a member of organization ${organizationId}.`);
  }
}

export class MemberNotFoundError extends DomainError {
  constructor(organizationId: string, userId: string) {
    super('ORGANIZATIONS.MEMBER_NOT_FOUND', `User ${userId} is not a member of organization ${organizationId}.`);
  }
}

/** 422: a well-formed limit the domain refuses because orders already hold more credit than it. */
export class CreditLimitBelowReservedError extends DomainError {
  constructor(limit: number, reserved: number) {
    super('ORGANIZATIONS.CREDIT_LIMIT_BELOW_RESERVED', `A credit limit of ${limit} is below the ${reserved} already reserved.`, { limit, reserved });
  }
}

export class CreditLimitExceededError extends DomainError {
  constructor(amount: number, available: number) {
    super('ORGANIZATIONS.CREDIT_LIMIT_EXCEEDED', `${amount} requested, ${available} available.`, { amount, available });
  }
}

/** A malformed ReserveCredit / ReleaseCredit command: it cannot be answered, only parked. */
export class InvalidCreditReservationError extends DomainError {
  constructor(message: string) {
    super('ORGANIZATIONS.INVALID_CREDIT_RESERVATION', message);
  }
}
