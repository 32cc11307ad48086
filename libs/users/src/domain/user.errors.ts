import { DomainError } from '@eda/platform/ddd';

export class UserNotFoundError extends DomainError {
  constructor(id: string) {
    super('USERS.USER_NOT_FOUND', `User ${id} does not exist.`);
  }
}

export class EmailTakenError extends DomainError {
  constructor(email: string) {
    super('USERS.EMAIL_TAKEN', `The email ${email} is already registered.`);
  }
}

export class UsernameTakenError extends DomainError {
  constructor(username: string) {
    super('USERS.USERNAME_TAKEN', `The username ${username} is already taken.`);
  }
}

export class UserDeactivatedError extends DomainError {
  constructor(id: string) {
    super('USERS.USER_DEACTIVATED_CONFLICT', `User ${id} is deactivated and can no longer be changed.`);
  }
}

export class InvalidUserError extends DomainError {
  constructor(message: string) {
    super('USERS.INVALID_USER', message);
  }
}
