import { evolveUserName } from './user-names.projection';

describe('user names projection', () => {
  it('names a user by first and last name, following profile updates', () => {
    const registered = evolveUserName(null, { id: 'e1', type: 'users.UserRegistered', data: { userId: 'u-1', email: 'a@b.c', username: 'ada', firstName: 'Ada', lastName: 'Lovelace' } });
    expect(registered).toEqual({ userId: 'u-1', name: 'Ada Lovelace', lastEventId: 'e1' });
    expect(evolveUserName(registered, { id: 'e2', type: 'users.UserProfileUpdated', data: { userId: 'u-1', firstName: 'Ada', lastName: 'King' } })).toEqual({
      userId: 'u-1', name: 'Ada King', lastEventId: 'e2',
    });
  });

  it('leaves the name alone for an event that carries none', () => {
    const row = { userId: 'u-1', name: 'Ada Lovelace', lastEventId: 'e1' };
    expect(evolveUserName(row, { id: 'e4', type: 'users.UserDeactivated', data: { userId: 'u-1' } })).toBe(row);
    expect(evolveUserName(null, { id: 'e4', type: 'users.UserDeactivated', data: { userId: 'u-1' } })).toBeNull();
  });
});
