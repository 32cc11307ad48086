import { randomUUID } from 'node:crypto';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { buildAsyncApiDocument, UsersEventTypes, OrdersEventTypes, InventoryCommandTypes } from '@eda/contracts';
import { AsyncApiValidator, StreamRecord } from '../support/asyncapi-validator';

// The AsyncAPI project's own JSON Schema of the 3.0.0 specification (its `-without-$id` flavour, for ajv).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { schemasWithoutId } = require('@asyncapi/specs') as { schemasWithoutId: Record<string, object> };

/**
 * The document served at GET /docs/asyncapi.json is valid AsyncAPI 3.0, and its message schemas accept the
 * app's messages and refuse what drifts from them (docs/adr/0020-asyncapi-contract.md). What really reaches
 * the streams is checked against it end to end in test/e2e/asyncapi.e2e.spec.ts.
 */
describe('AsyncAPI document', () => {
  const document = buildAsyncApiDocument({ version: '0.1.0', streamPrefix: 'eda-' });
  const validator = new AsyncApiValidator(document);

  it('is a valid AsyncAPI 3.0.0 document', () => {
    const ajv = new Ajv({ allErrors: true, strict: false });
    addFormats(ajv);
    const validate = ajv.compile(schemasWithoutId['3.0.0']);
    const valid = validate(JSON.parse(JSON.stringify(document)));
    expect(valid ? [] : validate.errors!.map((e) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`)).toEqual([]);
  });

  const userId = randomUUID();
  const orderId = randomUUID();
  const envelope = (type: string, source: string, key: string, data: unknown, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
    specversion: '1.0',
    id: randomUUID(),
    source,
    type,
    subject: key,
    time: '2025-01-31T12:00:00.000Z',
    datacontenttype: 'application/json',
    data,
    partitionkey: key,
    correlationid: 'req-1',
    causationid: 'req-1',
    traceparent: `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01`,
    ...extra,
  });
  const registered = (data: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) =>
    envelope(UsersEventTypes.UserRegistered, 'users', userId, { userId, email: 'ada@example.com', username: 'ada_1', firstName: 'Ada', lastName: 'Lovelace', ...data }, extra);
  /** As a consumer reads it: JSON (attributes set to undefined above are absent). */
  const record = (event: Record<string, unknown>, partitionKey = String(event.partitionkey)): StreamRecord => ({
    sequenceNumber: '1',
    partitionKey,
    event: JSON.parse(JSON.stringify(event)),
  });

  it('accepts the app’s messages as they are published', () => {
    expect(validator.problem('users-events', record(registered()))).toBeUndefined();
    const placed = envelope(OrdersEventTypes.OrderPlaced, 'orders', orderId, {
      orderId,
      userId,
      organizationId: randomUUID(),
      items: [{ sku: 'SKU-1', quantity: 2, unitPriceCents: 150 }, { sku: 'NO-SUCH-SKU', quantity: 1, unitPriceCents: null }],
      totalCents: 300,
      placedAt: '2025-01-31T12:00:00.000Z',
    });
    expect(validator.problem('orders-events', record(placed))).toBeUndefined();
    const reserve = envelope(InventoryCommandTypes.ReserveStock, 'orders', orderId, { orderId, lines: [{ sku: 'SKU-1', quantity: 2 }] });
    expect(validator.problem('inventory-commands', record(reserve))).toBeUndefined();
  });

  it.each([
    ['a missing data field', registered({ lastName: undefined }), /must have required property 'lastName'/],
    ['a data field the contract does not have', registered({ nickname: 'ada' }), /must NOT have additional properties/],
    ['a data field of the wrong type', registered({ firstName: 42 }), /event\/data\/firstName must be string/],
    ['an id that is not a UUID', registered({ userId: 'u-1' }, { partitionkey: 'u-1' }), /event\/data\/userId must match format "uuid"/],
    ['another source', registered({}, { source: 'orders' }), /event\/source must be equal to constant/],
    ['an envelope attribute the app does not send', registered({}, { dataschema: 'https://example.com/s' }), /must NOT have additional properties/],
    ['no traceparent', registered({}, { traceparent: undefined }), /must have required property 'traceparent'/],
    ['a time that is not RFC 3339', registered({}, { time: 'yesterday' }), /event\/time must match format "date-time"/],
  ])('refuses %s, naming it', (_what, event, message) => {
    expect(validator.problem('users-events', record(event))).toMatch(message);
  });

  it('refuses a type with no message on the stream’s channel, a stream with no channel, and a record that is no CloudEvent', () => {
    expect(validator.problem('users-events', record(envelope('users.UserRenamed', 'users', userId, { userId })))).toMatch(
      /type "users.UserRenamed" has no message on channel users-events/,
    );
    expect(validator.problem('orders-events', record(registered()))).toMatch(/type "users.UserRegistered" has no message on channel orders-events/);
    expect(validator.problem('shipping-events', record(registered()))).toMatch(/no channel for the stream/);
    expect(validator.problem('users-events', { sequenceNumber: '7', partitionKey: 'k', poison: 'not JSON' })).toMatch(/record 7 on users-events .* is not a CloudEvent: not JSON/);
  });

  it('refuses a record not keyed by the field its message names', () => {
    expect(validator.problem('users-events', record(registered(), 'another-key'))).toMatch(/should be keyed by \$message.payload#\/data\/userId/);
  });

  it('accepts an external producer’s event with its own extensions, and refuses one in the app’s namespaces', () => {
    const external = (extra: Record<string, unknown>) =>
      record({ ...envelope('com.acme.InvoicePaid', 'acme', 'invoice-1', { amountCents: 1200, anything: ['goes'] }), dataschema: 'https://acme.example/invoice', tenant: 'eu', ...extra });
    expect(validator.problem('platform-events', external({}))).toBeUndefined();
    expect(validator.problem('platform-events', external({ data: undefined, subject: undefined }))).toBeUndefined();
    expect(validator.problem('platform-events', external({ type: 'Orders.OrderApproved' }))).toMatch(/event\/type must NOT be valid/);
    expect(validator.problem('platform-events', external({ source: 'USERS' }))).toMatch(/event\/source must NOT be valid/);
    expect(validator.problem('platform-events', external({ 'Bad-Name': 1 }))).toMatch(/property name must be valid/);
  });
});
