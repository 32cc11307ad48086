import { User } from './user.aggregate';
import { InvalidUserError, UserDeactivatedError } from './user.errors';

const now = new Date('2026-01-01T00:00:00Z');
const register = (overrides: Partial<Parameters<typeof User.register>[0]> = {}) =>
  User.register({ id: 'u-1', email: ' Ada@Example.COM ', username: 'Ada_L', firstName: ' Ada ', lastName: 'Lovelace', ...overrides }, now);

describe('User', () => {
  it('registers with a normalised email and username and records UserRegistered', () => {
    const user = register();
    expect(user.snapshot()).toMatchObject({ email: 'ada@example.com', username: 'ada_l', firstName: 'Ada', status: 'ACTIVE' });
    expect(user.pullEvents()).toEqual([
      { name: 'UserRegistered', aggregateId: 'u-1', data: { userId: 'u-1', email: 'ada@example.com', username: 'ada_l', firstName: 'Ada', lastName: 'Lovelace' } },
    ]);
  });

  it.each([['ab'], ['-starts-with-dash'], ['has space'], ['x'.repeat(33)]])('refuses the username %p', (username) => {
    expect(() => register({ username })).toThrow(InvalidUserError);
  });

  it('refuses blank names', () => {
    expect(() => register({ firstName: '   ' })).toThrow(InvalidUserError);
  });

  it('records UserProfileUpdated only when a name really changes', () => {
    const user = register();
    user.pullEvents();
    user.updateProfile({ firstName: 'Ada' }, now);
    expect(user.pullEvents()).toEqual([]);
    user.updateProfile({ lastName: 'King' }, now);
    expect(user.pullEvents()).toEqual([{ name: 'UserProfileUpdated', aggregateId: 'u-1', data: { userId: 'u-1', firstName: 'Ada', lastName: 'King' } }]);
  });

  it('deactivates once, and refuses profile changes afterwards', () => {
    const user = register();
    user.pullEvents();
    user.deactivate(now);
    user.deactivate(now);
    expect(user.pullEvents().map((e) => e.name)).toEqual(['UserDeactivated']);
    expect(() => user.updateProfile({ firstName: 'X' }, now)).toThrow(UserDeactivatedError);
  });
});
