/**
 * A UUID in its text form, any version, either case: what PostgreSQL's `uuid` type accepts as ids here. Checked
 * before an id reaches a `uuid` parameter, so a malformed one is "no such thing", not a database error. The same
 * pattern serves SQL (`~*`) and JavaScript.
 */
export const UUID_PATTERN = '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';

const UUID = new RegExp(UUID_PATTERN, 'i');

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}
