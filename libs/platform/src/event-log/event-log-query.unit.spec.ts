import { decodeCursor, encodeCursor } from './event-log-query';

describe('event log cursors', () => {
  it('round-trip the keyset with its microseconds', () => {
    const cursor = { at: '2025-01-31T12:00:00.123456Z', schema: 'users', position: '9223372036854775807' };
    expect(decodeCursor(encodeCursor(cursor))).toEqual(cursor);
  });

  it.each([
    ['not base64 JSON', 'not-a-cursor'],
    ['a JSON object', Buffer.from('{"at":1}').toString('base64url')],
    ['milliseconds only', Buffer.from('["2025-01-31T12:00:00.123Z","users","1"]').toString('base64url')],
    ['a quoted schema', Buffer.from('["2025-01-31T12:00:00.123456Z","us\\"ers","1"]').toString('base64url')],
    ['position 0', Buffer.from('["2025-01-31T12:00:00.123456Z","users","0"]').toString('base64url')],
    ['a position past bigint', Buffer.from('["2025-01-31T12:00:00.123456Z","users","9223372036854775808"]').toString('base64url')],
  ])('refuse %s', (_what, text) => {
    expect(decodeCursor(text)).toBeUndefined();
  });
});
