/**
 * Validation of a CloudEvents 1.0 structured-mode JSON event as an external producer POSTs it.
 * Pure: no I/O, so every rule is unit-tested. Beyond the spec, it refuses what PostgreSQL's jsonb/text
 * would refuse (NUL characters, lone surrogates, very deep nesting), so a malformed event is a 400, never a 500.
 */

export interface IncomingCloudEvent {
  specversion: '1.0';
  id: string;
  source: string;
  type: string;
  subject?: string;
  time?: string;
  datacontenttype?: string;
  dataschema?: string;
  data?: unknown;
  [extension: string]: unknown;
}

export type FieldErrors = Record<string, string[]>;

export type CloudEventValidation = { ok: true; event: IncomingCloudEvent } | { ok: false; errors: FieldErrors };

export const MAX_ATTRIBUTE_LENGTH = 256;
/** Deeper JSON would hit PostgreSQL's stack depth limit (a 500) long before any real payload needs it. */
export const MAX_DATA_DEPTH = 64;

const CORE_ATTRIBUTES = new Set(['specversion', 'id', 'source', 'type', 'subject', 'time', 'datacontenttype', 'dataschema', 'data']);
const EXTENSION_NAME = /^[a-z0-9]{1,20}$/;
// RFC 3986 characters only, with well-formed percent escapes.
const URI_REFERENCE = /^(?:[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})+$/;
const URI_SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;
// RFC 9110 media type; a quoted parameter value may not hold control characters.
// eslint-disable-next-line no-control-regex
const MEDIA_TYPE = /^[A-Za-z0-9!#$&^_.+-]+\/[A-Za-z0-9!#$&^_.+-]+(?:\s*;\s*[A-Za-z0-9!#$&^_.+-]+=(?:[A-Za-z0-9!#$&^_.+-]+|"[^"\\\u0000-\u001f]*"))*$/;
const TRACEPARENT = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/;
const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/** Why `value` cannot be a CloudEvents `source`, or undefined when it can. */
export function sourceProblem(value: string): string | undefined {
  if (value.length === 0 || value.length > MAX_ATTRIBUTE_LENGTH) return `source must be 1-${MAX_ATTRIBUTE_LENGTH} characters`;
  return URI_REFERENCE.test(value) ? undefined : 'source must be a URI-reference (RFC 3986)';
}

/** True when `value` is an RFC 3339 date-time PostgreSQL can store (calendar-valid, year 1-9999). */
export function isRfc3339(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const m = RFC3339.exec(value);
  if (!m) return false;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
  if (year < 1 || month < 1 || month > 12 || hour > 23 || minute > 59 || second > 60) return false;
  const daysInMonth = new Date(Date.UTC(2000, month, 0)).getUTCDate() - (month === 2 && !isLeapYear(year) ? 1 : 0);
  if (day < 1 || day > daysInMonth) return false;
  if (m[8] && (Number(m[9]) > 23 || Number(m[10]) > 59)) return false;
  // PostgreSQL takes a leap second (:60) only without a fraction.
  if (second === 60 && m[7] && /[1-9]/.test(m[7])) return false;
  return true;
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/** Strings PostgreSQL stores unchanged: no NUL (text and jsonb refuse it) and no lone UTF-16 surrogate. */
export function isStorableString(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0) return false;
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = value.charCodeAt(i + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) return false;
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      return false;
    }
  }
  return true;
}

/** Why `data` cannot be stored as jsonb, or undefined when it can. Iterative: a hostile depth cannot overflow the stack. */
export function jsonStorageProblem(data: unknown): string | undefined {
  const stack: Array<{ value: unknown; depth: number }> = [{ value: data, depth: 0 }];
  while (stack.length > 0) {
    const { value, depth } = stack.pop()!;
    if (typeof value === 'string') {
      if (!isStorableString(value)) return 'must not contain NUL characters or unpaired surrogates';
    } else if (typeof value === 'number') {
      if (!Number.isFinite(value)) return 'must hold finite numbers only';
    } else if (value !== null && typeof value === 'object') {
      if (depth >= MAX_DATA_DEPTH) return `must not nest deeper than ${MAX_DATA_DEPTH} levels`;
      if (Array.isArray(value)) {
        for (const item of value) stack.push({ value: item, depth: depth + 1 });
      } else {
        for (const [key, item] of Object.entries(value)) {
          if (!isStorableString(key)) return 'must not contain NUL characters or unpaired surrogates';
          stack.push({ value: item, depth: depth + 1 });
        }
      }
    } else if (typeof value !== 'boolean' && value !== null) {
      return 'must be JSON';
    }
  }
  return undefined;
}

/**
 * Checks a parsed request body against CloudEvents 1.0 (JSON format) and our limits. Attributes given as
 * JSON null count as absent (as the JSON format says); the event returned has them removed.
 */
export function validateCloudEvent(body: unknown): CloudEventValidation {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return { ok: false, errors: { body: ['must be a CloudEvents 1.0 JSON object'] } };
  }
  const errors: FieldErrors = {};
  const fail = (field: string, message: string) => (errors[field] ??= []).push(message);
  const input = body as Record<string, unknown>;
  const event: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(input)) if (value !== null) event[name] = value;

  const requiredString = (name: string, extra?: (value: string) => string | undefined) => {
    const value = event[name];
    if (value === undefined) return fail(name, `${name} is required`);
    if (typeof value !== 'string' || value.length === 0) return fail(name, `${name} must be a non-empty string`);
    if (value.length > MAX_ATTRIBUTE_LENGTH) return fail(name, `${name} must be at most ${MAX_ATTRIBUTE_LENGTH} characters`);
    if (!isStorableString(value)) return fail(name, `${name} must not contain NUL characters or unpaired surrogates`);
    const problem = extra?.(value);
    if (problem) fail(name, problem);
  };
  const optionalString = (name: string, extra?: (value: string) => string | undefined) => {
    if (event[name] !== undefined) requiredString(name, extra);
  };

  if (event.specversion !== '1.0') fail('specversion', 'specversion must be "1.0"');
  requiredString('id');
  requiredString('source', (v) => (URI_REFERENCE.test(v) ? undefined : 'source must be a URI-reference (RFC 3986)'));
  requiredString('type');
  optionalString('subject');
  optionalString('time', (v) => (isRfc3339(v) ? undefined : 'time must be an RFC 3339 date-time, e.g. 2025-01-31T12:00:00Z'));
  optionalString('datacontenttype', (v) => (MEDIA_TYPE.test(v) ? undefined : 'datacontenttype must be a media type (RFC 2046), e.g. application/json'));
  optionalString('dataschema', (v) =>
    URI_REFERENCE.test(v) && URI_SCHEME.test(v) ? undefined : 'dataschema must be an absolute URI (RFC 3986)',
  );
  if ('data_base64' in event) fail('data_base64', 'data_base64 is not supported: send data as JSON in `data`');
  if (event.data !== undefined) {
    const problem = jsonStorageProblem(event.data);
    if (problem) fail('data', `data ${problem}`);
  }

  for (const [name, value] of Object.entries(event)) {
    if (CORE_ATTRIBUTES.has(name) || name === 'data_base64') continue;
    if (!EXTENSION_NAME.test(name)) {
      fail(name, 'extension attribute names are 1-20 lower-case letters or digits (CloudEvents 1.0)');
      continue;
    }
    if (typeof value === 'string') {
      if (!isStorableString(value)) fail(name, `${name} must not contain NUL characters or unpaired surrogates`);
      else if (value.length > 2048) fail(name, `${name} must be at most 2048 characters`);
    } else if (typeof value === 'number') {
      if (!Number.isInteger(value) || value < INT32_MIN || value > INT32_MAX) fail(name, `${name} must be a string, a boolean or a 32-bit integer`);
    } else if (typeof value !== 'boolean') {
      fail(name, `${name} must be a string, a boolean or a 32-bit integer`);
    }
  }
  // The extensions the bus itself reads have a fixed shape.
  for (const name of ['partitionkey', 'correlationid', 'causationid']) {
    if (event[name] !== undefined && !errors[name]) optionalString(name);
  }
  if (event.traceparent !== undefined && !errors.traceparent) {
    if (typeof event.traceparent !== 'string' || !TRACEPARENT.test(event.traceparent)) fail('traceparent', 'traceparent must be a W3C traceparent (00-<32 hex>-<16 hex>-<2 hex>)');
  }

  return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, event: event as IncomingCloudEvent };
}
