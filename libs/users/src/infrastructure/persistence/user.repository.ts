import type { EntityManager } from 'typeorm';
import { ConcurrencyConflictError } from '@eda/platform';
import { User } from '../../domain/user.aggregate';
import { EmailTakenError, UsernameTakenError, UserNotFoundError } from '../../domain/user.errors';
import { UserRow, UserSchema } from './user.schema';

/** Loads and saves users inside the caller's transaction, with optimistic locking on `version`. */
export class UserRepository {
  constructor(private readonly manager: EntityManager) {}

  async get(id: string): Promise<User> {
    const row = await this.manager.getRepository(UserSchema).findOneBy({ id });
    if (!row) throw new UserNotFoundError(id);
    return User.restore(row);
  }

  async add(user: User): Promise<void> {
    const state = user.snapshot();
    const existing = await this.manager
      .getRepository(UserSchema)
      .createQueryBuilder('u')
      .where('u.email = :email OR u.username = :username', state)
      .getMany();
    this.assertUnique(existing, state.email, state.username);
    try {
      await this.manager.getRepository(UserSchema).insert({ ...state, version: 1 });
    } catch (error) {
      // A concurrent registration won the race between the check above and the insert.
      const constraint = (error as { driverError?: { constraint?: string } }).driverError?.constraint;
      if (constraint === 'users_email_key') throw new EmailTakenError(state.email);
      if (constraint === 'users_username_key') throw new UsernameTakenError(state.username);
      throw error;
    }
  }

  async save(user: User): Promise<void> {
    const { id, version, ...rest } = user.snapshot();
    const result = await this.manager
      .getRepository(UserSchema)
      .update({ id, version }, { ...rest, version: version + 1 });
    if (result.affected !== 1) throw new ConcurrencyConflictError('User', id);
  }

  private assertUnique(rows: UserRow[], email: string, username: string): void {
    if (rows.some((r) => r.email === email)) throw new EmailTakenError(email);
    if (rows.some((r) => r.username === username)) throw new UsernameTakenError(username);
  }
}
