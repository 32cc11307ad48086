import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { aProduct } from '../support/mothers';
import { streamContractProblems } from '../support/stream-contract';
import { startTestApp, TestApp } from '../support/test-app';

describe('inventory (REST)', () => {
  let t: TestApp;
  let db: Pool;
  beforeAll(async () => {
    t = await startTestApp();
    db = t.sql;
  });
  afterAll(async () => {
    await t.close();
  });

  const sku = () => `SKU-${randomUUID().slice(0, 8)}`;
  const eventTypes = async (subject: string) =>
    (await db.query('SELECT type FROM inventory.event_log WHERE subject = $1 ORDER BY position', [subject])).rows.map((r) => r.type);
  const countEvents = async () => (await db.query('SELECT count(*)::int AS n FROM inventory.event_log')).rows[0].n as number;

  it('creates a product (201) with its stock and records inventory.ProductCreated keyed by the sku', async () => {
    const id = sku();
    const res = await t.request('POST', '/products', { sku: id, name: 'Widget', priceCents: 1250, initialStock: 7 });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ sku: id, name: 'Widget', priceCents: 1250, onHand: 7, reserved: 0, available: 7 });
    const { rows } = await db.query('SELECT envelope FROM inventory.event_log WHERE subject = $1', [id]);
    expect(rows[0].envelope).toMatchObject({ type: 'inventory.ProductCreated', source: 'inventory', partitionkey: id, data: { sku: id, initialStock: 7 } });
    expect((await t.request('GET', `/products/${id}`)).body).toEqual(res.body);
  });

  it('creates a product with no stock when initialStock is left out', async () => {
    const res = await t.request('POST', '/products', { sku: sku(), name: 'Empty', priceCents: 0 });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ onHand: 0, available: 0 });
  });

  it('answers 409 INVENTORY.SKU_TAKEN for a duplicate sku and changes nothing', async () => {
    const id = await aProduct(t, 100, 1, 'First');
    const before = await countEvents();
    const res = await t.request('POST', '/products', { sku: id, name: 'Second', priceCents: 200 });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ status: 409, code: 'INVENTORY.SKU_TAKEN' });
    expect(await countEvents()).toBe(before);
    expect((await t.request('GET', `/products/${id}`)).body).toMatchObject({ name: 'First', priceCents: 100 });
  });

  it('lets exactly one of many concurrent creations of one sku win', async () => {
    const id = sku();
    const answers = await Promise.all(Array.from({ length: 6 }, () => t.request('POST', '/products', { sku: id, name: 'W', priceCents: 1 })));
    expect(answers.map((a) => a.status).sort()).toEqual([201, 409, 409, 409, 409, 409]);
  });

  it('renames and reprices (200), recording only what changed', async () => {
    const id = await aProduct(t, 1250);
    const renamed = await t.request('PATCH', `/products/${id}`, { name: 'Gadget', priceCents: 1250 });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ name: 'Gadget', priceCents: 1250 });
    expect((await t.request('PATCH', `/products/${id}`, { priceCents: 999 })).body.priceCents).toBe(999);
    expect(await eventTypes(id)).toEqual(['inventory.ProductCreated', 'inventory.ProductRenamed', 'inventory.ProductPriceChanged']);
  });

  it('restocks (200) and records StockAdded', async () => {
    const id = await aProduct(t, 1, 2);
    const res = await t.request('POST', `/products/${id}/restock`, { quantity: 5 });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ onHand: 7, reserved: 0, available: 7 });
    expect(await eventTypes(id)).toEqual(['inventory.ProductCreated', 'inventory.StockAdded']);
  });

  it('answers 404 for an unknown sku on every route and 400 for a sku that cannot exist', async () => {
    const id = sku();
    expect((await t.request('GET', `/products/${id}`)).status).toBe(404);
    expect((await t.request('PATCH', `/products/${id}`, { name: 'X' })).status).toBe(404);
    expect((await t.request('POST', `/products/${id}/restock`, { quantity: 1 })).status).toBe(404);
    expect((await t.request('GET', '/products/%20bad%20sku')).status).toBe(400);
  });

  it.each([
    ['a negative price', { name: 'W', priceCents: -1 }],
    ['a fractional price', { name: 'W', priceCents: 12.5 }],
    ['a price given as a string', { name: 'W', priceCents: '100' }],
    ['a price beyond exact integers', { name: 'W', priceCents: 2 ** 53 }],
    ['a negative initial stock', { name: 'W', priceCents: 1, initialStock: -5 }],
    ['a fractional initial stock', { name: 'W', priceCents: 1, initialStock: 0.5 }],
    ['a blank name', { name: '  ', priceCents: 1 }],
    ['a missing name', { priceCents: 1 }],
    ['an unknown field', { name: 'W', priceCents: 1, reserved: 3 }],
  ])('refuses a product with %s (400) and creates nothing', async (_what, body) => {
    const id = sku();
    const before = await countEvents();
    const res = await t.request('POST', '/products', { sku: id, ...body });
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.body.errors).toEqual(expect.any(Object));
    expect(await countEvents()).toBe(before);
    expect((await t.request('GET', `/products/${id}`)).status).toBe(404);
  });

  it.each([[0], [-1], [1.5], ['3'], [null]])('refuses a restock of %p (400) and changes nothing', async (quantity) => {
    const id = await aProduct(t, 1, 3);
    const res = await t.request('POST', `/products/${id}/restock`, { quantity });
    expect(res.status).toBe(400);
    expect(res.body.errors.quantity).toEqual(expect.any(Array));
    expect((await t.request('GET', `/products/${id}`)).body.onHand).toBe(3);
  });

  it('refuses an invalid PATCH field by field and changes nothing', async () => {
    const id = await aProduct(t, 5, 100, 'W');
    const res = await t.request('PATCH', `/products/${id}`, { priceCents: -3, name: '' });
    expect(res.status).toBe(400);
    expect(Object.keys(res.body.errors).sort()).toEqual(['name', 'priceCents']);
    expect((await t.request('GET', `/products/${id}`)).body).toMatchObject({ name: 'W', priceCents: 5 });
  });

  it('refuses a restock that would exceed the largest stock it can count (422)', async () => {
    const id = await aProduct(t, 5, 1_000_000_000_000);
    const res = await t.request('POST', `/products/${id}/restock`, { quantity: 1 });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('INVENTORY.INVALID_PRODUCT');
  });

  it('put only records that match the AsyncAPI document on the streams (docs/adr/0020-asyncapi-contract.md)', async () => {
    expect(await streamContractProblems(t)).toEqual([]);
  });
});
