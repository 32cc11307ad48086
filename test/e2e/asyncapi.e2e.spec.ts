import { randomUUID } from 'node:crypto';
import { AsyncApiDocument, EXTERNAL_EVENT_MESSAGE } from '@eda/contracts';
import { logicalStreams, ProducerKeyStore } from '@eda/platform';
import { eventually } from '@eda/platform/testing';
import { storages } from '../../apps/api/src/contexts';
import { recordsOnStreams, streamContractProblems } from '../support/stream-contract';
import { aMembership, anOrganization, aPricedProduct, aUser } from '../support/mothers';
import { startTestApp, TestApp } from '../support/test-app';

/**
 * What the app really puts on Kinesis matches its AsyncAPI document (GET /docs/asyncapi.json,
 * docs/adr/0020-asyncapi-contract.md): a run that makes every type of message — users registered, updated and
 * deactivated, an organization with members, products, orders approved, rejected three ways and cancelled,
 * an external producer's event — then every record of every stream of its prefix is checked against the
 * message of its type (envelope, data and partition key).
 */
describe('the streams match the AsyncAPI document', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ DATABASE_POOL_SIZE: '5' });
  });
  afterAll(async () => {
    await t.close();
  });

  const WAIT = 60_000;
  const ok = async (method: string, url: string, body?: unknown, status = 200, headers: Record<string, string> = {}) => {
    const res = await t.request(method, url, body, headers);
    expect([method, url, res.status, res.status === status ? undefined : res.body]).toEqual([method, url, status, undefined]);
    return res.body;
  };
  const place = async (userId: string, organizationId: string, items: Array<{ sku: string; quantity: number }>) =>
    ((await ok('POST', '/orders', { userId, organizationId, items }, 202)) as { id: string }).id;
  const settled = (id: string, status: string) =>
    eventually(`order ${id} is ${status}`, async () => expect((await t.request('GET', `/orders/${id}`)).body.status).toBe(status), WAIT, 100);

  it('serves the document without credentials, with this process’s stream prefix, and every record on the streams validates against it', async () => {
    const served = await t.request('GET', '/docs/asyncapi.json', undefined, { authorization: '' });
    expect(served.status).toBe(200);
    expect(String(served.headers['content-type'])).toMatch(/^application\/json/);
    const document = served.body as AsyncApiDocument;
    expect(document.asyncapi).toBe('3.0.0');
    // Every stream the app writes has its channel, addressed under this process's prefix.
    expect(Object.keys(document.channels).sort()).toEqual(logicalStreams(storages).sort());
    for (const channel of Object.values(document.channels)) expect(channel.parameters.streamPrefix.default).toBe(t.streamPrefix);

    // Users, an organization, products; the member learns of the organization's name, the orders context of prices.
    const ada = await aUser(t);
    const grace = await aUser(t);
    const outsider = await aUser(t);
    await ok('PATCH', `/users/${grace.id}`, { lastName: 'Hopper' });
    const org = await anOrganization(t, 10_000);
    await aMembership(t, org.id, ada.id);
    await aMembership(t, org.id, grace.id);
    await ok('PATCH', `/organizations/${org.id}`, { name: `Acme Corp ${randomUUID().slice(0, 8)}`, creditLimitCents: 5_000 });
    const widget = await aPricedProduct(t, 1_000, 10);
    const scarce = await aPricedProduct(t, 100, 1);
    await ok('PATCH', `/products/${widget}`, { name: 'Blue widget', priceCents: 1_100 });
    await ok('POST', `/products/${widget}/restock`, { quantity: 5 });

    // Orders: approved, then cancelled; rejected for stock, for credit, for an unknown product, for a non-member.
    const approved = await place(ada.id, org.id, [{ sku: widget, quantity: 2 }]);
    await settled(approved, 'APPROVED');
    await ok('POST', `/orders/${approved}/cancel`, undefined, 202);
    const noStock = await place(ada.id, org.id, [{ sku: scarce, quantity: 2 }]);
    const noCredit = await place(ada.id, org.id, [{ sku: widget, quantity: 5 }]);
    const unknownProduct = await place(grace.id, org.id, [{ sku: 'NO-SUCH-SKU', quantity: 1 }]);
    const notMember = await place(outsider.id, org.id, [{ sku: widget, quantity: 1 }]);
    await settled(approved, 'CANCELLED');
    for (const id of [noStock, noCredit, unknownProduct, notMember]) await settled(id, 'REJECTED');

    // The member leaves, a user is deactivated, and an external producer publishes through the bus.
    await ok('DELETE', `/organizations/${org.id}/members/${grace.id}`, undefined, 204);
    await ok('POST', `/users/${outsider.id}/deactivate`);
    const source = `acme-${randomUUID().slice(0, 8)}`;
    const { key } = await t.app.get(ProducerKeyStore).issue([source], 'asyncapi e2e');
    const external = { specversion: '1.0', id: randomUUID(), source, type: 'com.acme.InvoicePaid', subject: 'invoice-42', tenant: 'eu', data: { amountCents: 1200 } };
    await ok('POST', '/events', external, 201, { authorization: `Bearer ${key}` });
    await ok('POST', '/events', { ...external, id: randomUUID(), subject: undefined, data: undefined }, 201, { authorization: `Bearer ${key}` });

    // Every saga has ended and its last messages are on the streams: each message type of the document is there.
    const expectedTypes = Object.keys(document.components.messages);
    const records = await eventually('every message type of the document is on the streams, and the relay has nothing left', async () => {
      for (const saga of (await t.request('GET', '/ops/sagas?limit=500')).body) expect([saga.id, saga.status]).toEqual([saga.id, expect.stringMatching(/^(COMPLETED|COMPENSATED)$/)]);
      expect((await t.request('GET', '/ops/relay')).body.pending).toBe(0);
      const byStream = await recordsOnStreams(t);
      const seen = new Set([...byStream.entries()].flatMap(([stream, rs]) => rs.map((r) => (stream === 'platform-events' ? EXTERNAL_EVENT_MESSAGE : String(r.event?.type)))));
      expect(expectedTypes.filter((type) => !seen.has(type))).toEqual([]);
      return byStream;
    }, WAIT, 500);

    expect(await streamContractProblems(t, records)).toEqual([]);
    const total = [...records.values()].reduce((n, rs) => n + rs.length, 0);
    expect(total).toBeGreaterThan(expectedTypes.length);
  });
});
