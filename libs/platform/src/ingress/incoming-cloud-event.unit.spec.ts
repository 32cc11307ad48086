import { isRfc3339, MAX_DATA_DEPTH, validateCloudEvent } from './incoming-cloud-event';

const valid = () => ({
  specversion: '1.0',
  id: 'evt-1',
  source: 'https://acme.example/billing',
  type: 'com.acme.InvoicePaid',
  subject: 'invoice-42',
  time: '2025-01-31T12:00:00.123Z',
  datacontenttype: 'application/json',
  dataschema: 'https://acme.example/schemas/invoice-paid.json',
  data: { amountCents: 1200, lines: [{ sku: 'A', quantity: 1 }] },
  tenant: 'eu1',
  attempt: 3,
  replayed: false,
});

function errorsOf(body: unknown): Record<string, string[]> {
  const result = validateCloudEvent(body);
  if (result.ok) throw new Error('expected the event to be refused');
  return result.errors;
}

describe('validateCloudEvent', () => {
  it('accepts a complete CloudEvents 1.0 event with extensions and returns it unchanged', () => {
    const result = validateCloudEvent(valid());
    expect(result).toEqual({ ok: true, event: valid() });
  });

  it('accepts the minimal event (specversion, id, source, type) with a relative source', () => {
    const result = validateCloudEvent({ specversion: '1.0', id: 'x', source: '/sensors/7', type: 't' });
    expect(result.ok).toBe(true);
  });

  it('treats attributes given as JSON null as absent', () => {
    const result = validateCloudEvent({ ...valid(), subject: null, tenant: null });
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.event).not.toHaveProperty('subject');
  });

  it.each([
    ['null', null],
    ['an array', [valid()]],
    ['a string', 'event'],
    ['a number', 7],
  ])('refuses a body that is %s', (_what, body) => {
    expect(Object.keys(errorsOf(body))).toEqual(['body']);
  });

  it.each([
    ['specversion', { specversion: '0.3' }],
    ['specversion', { specversion: 1 }],
    ['id', { id: '' }],
    ['id', { id: 42 }],
    ['id', { id: 'x'.repeat(257) }],
    ['source', { source: '' }],
    ['source', { source: 'has spaces' }],
    ['source', { source: 'bad%zzescape' }],
    ['source', { source: `/${'s'.repeat(256)}` }],
    ['type', { type: '' }],
    ['type', { type: ['a'] }],
    ['subject', { subject: '' }],
    ['time', { time: 'yesterday' }],
    ['time', { time: '2025-02-30T00:00:00Z' }],
    ['time', { time: '2025-01-31 12:00:00' }],
    ['time', { time: '2025-01-31T12:00:00' }],
    ['time', { time: '0000-01-01T00:00:00Z' }],
    ['datacontenttype', { datacontenttype: 'json' }],
    ['dataschema', { dataschema: 'relative/schema.json' }],
    ['data_base64', { data_base64: 'aGVsbG8=' }],
    ['data', { data: { text: 'nul\u0000inside' } }],
    ['data', { data: { ['key\u0000']: 1 } }],
    ['data', { data: ['\ud800 lone surrogate'] }],
    ['id', { id: 'nul\u0000' }],
    ['Tenant', { Tenant: 'x' }],
    ['averyveryverylongextension', { averyveryverylongextension: 'x' }],
    ['tenant', { tenant: { nested: true } }],
    ['attempt', { attempt: 1.5 }],
    ['attempt', { attempt: 2 ** 31 }],
    ['partitionkey', { partitionkey: 7 }],
    ['partitionkey', { partitionkey: 'k'.repeat(257) }],
    ['correlationid', { correlationid: '' }],
    ['traceparent', { traceparent: 'not-a-trace' }],
  ])('refuses a bad %s field by field', (field, change) => {
    const errors = errorsOf({ ...valid(), ...change });
    expect(Object.keys(errors)).toEqual([field]);
    expect(errors[field][0]).toEqual(expect.any(String));
  });

  it('names every missing required attribute', () => {
    expect(Object.keys(errorsOf({})).sort()).toEqual(['id', 'source', 'specversion', 'type']);
  });

  it('refuses data nested deeper than the limit without overflowing the stack', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(errorsOf({ ...valid(), data: deep }).data[0]).toContain(String(MAX_DATA_DEPTH));
    let shallow: unknown = 1;
    for (let i = 0; i < MAX_DATA_DEPTH - 1; i++) shallow = { x: shallow };
    expect(validateCloudEvent({ ...valid(), data: shallow }).ok).toBe(true);
  });

  it('accepts data of any JSON type, including a string or an empty array', () => {
    for (const data of ['text', 0, false, [], {}]) expect(validateCloudEvent({ ...valid(), data }).ok).toBe(true);
  });
});

describe('isRfc3339', () => {
  it.each(['2025-01-31T12:00:00Z', '2024-02-29T00:00:00+02:00', '2016-12-31t23:59:60.000z', '0001-01-01T00:00:00-14:00'])(
    'accepts %s',
    (value) => expect(isRfc3339(value)).toBe(true),
  );
  it.each(['2023-02-29T00:00:00Z', '2025-13-01T00:00:00Z', '2025-01-01T24:00:00Z', '2025-01-01T00:00:00+25:00', '2016-12-31T23:59:60.5Z', '2025-01-01', 20250101])(
    'refuses %s',
    (value) => expect(isRfc3339(value)).toBe(false),
  );
});
