import { AggregateRoot } from '@eda/platform/ddd';
import type { UserDeactivatedData, UserProfileUpdatedData, UserRegisteredData } from '@eda/contracts';
import { InvalidUserError, UserDeactivatedError } from './user.errors';

export type UserStatus = 'ACTIVE' | 'DEACTIVATED';

export interface UserState {
  id: string;
  email: string;
  username: string;
  firstName: string;
  lastName: string;
  status: UserStatus;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

const USERNAME = /^[a-z0-9][a-z0-9_.-]{2,31}$/;

function requireName(field: string, value: string): string {
  const trimmed = value.trim();
  if (trimmed.length === 0 || trimmed.length > 100) throw new InvalidUserError(`${field} must have 1 to 100 characters.`);
  return trimmed;
}

export class User extends AggregateRoot {
  private constructor(private state: UserState) {
    super();
  }

  static register(input: { id: string; email: string; username: string; firstName: string; lastName: string }, now: Date): User {
    const username = input.username.trim().toLowerCase();
    if (!USERNAME.test(username)) {
      throw new InvalidUserError('username must be 3 to 32 characters: letters, digits, and _ . - (not first).');
    }
    const user = new User({
      id: input.id,
      email: input.email.trim().toLowerCase(),
      username,
      firstName: requireName('firstName', input.firstName),
      lastName: requireName('lastName', input.lastName),
      status: 'ACTIVE',
      version: 0,
      createdAt: now,
      updatedAt: now,
    });
    user.record<UserRegisteredData>('UserRegistered', {
      userId: user.id,
      email: user.state.email,
      username,
      firstName: user.state.firstName,
      lastName: user.state.lastName,
    });
    return user;
  }

  static restore(state: UserState): User {
    return new User({ ...state });
  }

  get id(): string {
    return this.state.id;
  }

  snapshot(): Readonly<UserState> {
    return { ...this.state };
  }

  /** Changes the names given; recording nothing when they are already so. */
  updateProfile(change: { firstName?: string; lastName?: string }, now: Date): void {
    this.assertActive();
    const firstName = change.firstName === undefined ? this.state.firstName : requireName('firstName', change.firstName);
    const lastName = change.lastName === undefined ? this.state.lastName : requireName('lastName', change.lastName);
    if (firstName === this.state.firstName && lastName === this.state.lastName) return;
    this.state = { ...this.state, firstName, lastName, updatedAt: now };
    this.record<UserProfileUpdatedData>('UserProfileUpdated', { userId: this.id, firstName, lastName });
  }

  /** Idempotent: deactivating a deactivated user records nothing. */
  deactivate(now: Date): void {
    if (this.state.status === 'DEACTIVATED') return;
    this.state = { ...this.state, status: 'DEACTIVATED', updatedAt: now };
    this.record<UserDeactivatedData>('UserDeactivated', { userId: this.id });
  }

  private assertActive(): void {
    if (this.state.status !== 'ACTIVE') throw new UserDeactivatedError(this.id);
  }
}
