import { decodeCursor, encodeCursor } from './event-log-query';

describe('event log cursors', () => {
  it('round-trip the keyset, up to the largest transaction id and position', () => {
    const cursor = { tx: '18446744073709551615', schema: 'users', position: '9223372036854775807' };
    expect(decodeCursor(encodeCursor(cursor))).toEqual(cursor);
  });

  it.each([
    ['not base64 JSON', 'not-a-cursor'],
    ['a JSON object', Buffer.from('{"at":1}').toString('base64url')],
    ['a time (the former cursor)', Buffer.from('["2025-01-31T12:00:00.123456Z","users","1"]').toString('base64url')],
    ['a transaction id past xid8', Buffer.from('["18446744073709551616","users","1"]').toString('base64url')],
    ['a numeric transaction id', Buffer.from('[740,"users","1"]').toString('base64url')],
    ['a quoted schema', Buffer.from('["740","us\\"ers","1"]').toString('base64url')],
    ['position 0', Buffer.from('["740","users","0"]').toString('base64url')],
    ['a position past bigint', Buffer.from('["740","users","9223372036854775808"]').toString('base64url')],
  ])('refuse %s', (_what, text) => {
    expect(decodeCursor(text)).toBeUndefined();
  });
});
