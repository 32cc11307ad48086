import { evolveKnownUser, KnownUser } from './known-users.projection';

const registered = { id: 'e1', type: 'users.UserRegistered', data: { userId: 'u-1', email: 'a@b.c', username: 'ada', firstName: 'Ada', lastName: 'Lovelace' } };

describe('known users projection', () => {
  it('creates an active user from UserRegistered, recording the event id', () => {
    expect(evolveKnownUser(null, registered)).toEqual({ userId: 'u-1', username: 'ada', firstName: 'Ada', lastName: 'Lovelace', active: true, lastEventId: 'e1' });
  });

  it('renames on UserProfileUpdated and deactivates on UserDeactivated', () => {
    let row = evolveKnownUser(null, registered) as KnownUser;
    row = evolveKnownUser(row, { id: 'e2', type: 'users.UserProfileUpdated', data: { userId: 'u-1', firstName: 'Ada', lastName: 'King' } })!;
    row = evolveKnownUser(row, { id: 'e3', type: 'users.UserDeactivated', data: { userId: 'u-1' } })!;
    expect(row).toEqual({ userId: 'u-1', username: 'ada', firstName: 'Ada', lastName: 'King', active: false, lastEventId: 'e3' });
  });

  it('creates nothing from an update about a user it never saw registered', () => {
    expect(evolveKnownUser(null, { id: 'e2', type: 'users.UserProfileUpdated', data: { userId: 'u-9', firstName: 'X', lastName: 'Y' } })).toBeNull();
    expect(evolveKnownUser(null, { id: 'e3', type: 'users.UserDeactivated', data: { userId: 'u-9' } })).toBeNull();
  });

  it('leaves the row alone for an event type it does not follow', () => {
    const row = evolveKnownUser(null, registered);
    expect(evolveKnownUser(row, { id: 'e4', type: 'users.SomethingElse', data: { userId: 'u-1' } })).toBe(row);
  });
});
