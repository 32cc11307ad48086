import { randomUUID } from 'node:crypto';
import { streamContractProblems } from '../support/stream-contract';
import { startTestApp, TestApp } from '../support/test-app';

/**
 * "No request, however malformed, gets a 5xx": every route in the OpenAPI document is sent bodies and
 * parameters of the wrong shape. New routes are covered as soon as they are documented.
 */
describe('malformed requests to every documented route', () => {
  let t: TestApp;
  let operations: Array<{ method: string; path: string }>;

  beforeAll(async () => {
    t = await startTestApp();
    const doc = (await t.request('GET', '/docs-json')).body as { paths: Record<string, Record<string, unknown>> };
    operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.keys(methods)
        .filter((m) => ['get', 'post', 'patch', 'put', 'delete'].includes(m))
        .map((method) => ({ method: method.toUpperCase(), path })),
    );
  });
  afterAll(() => t.close());

  const bodies: Array<[string, unknown]> = [
    ['not JSON', '{"a": '],
    ['a JSON string', '"just a string"'],
    ['null', 'null'],
    ['an array', [1, 2, 3]],
    ['wrong types everywhere', { email: 42, name: [], priceCents: 'ten', quantity: -1.5, items: 'x', userId: {}, specversion: 2 }],
    ['prototype pollution', JSON.parse('{"__proto__": {"admin": true}, "constructor": {"prototype": {"x": 1}}}')],
    ['deep nesting', JSON.parse('['.repeat(500) + ']'.repeat(500))],
    ['a long string', { name: 'x'.repeat(200_000) }],
  ];
  const params = ['not-a-uuid', randomUUID(), '%00', '..%2F..%2Fetc', 'x'.repeat(300), "'; DROP TABLE users; --"];

  it('never answers 5xx, and answers errors as problem+json', async () => {
    expect(operations.length).toBeGreaterThan(5);
    const failures: string[] = [];
    for (const { method, path } of operations) {
      for (const param of params) {
        const url = path.replace(/\{[^}]+\}/g, encodeURIComponent(param).replace(/%25/g, '%'));
        for (const [what, body] of method === 'GET' || method === 'DELETE' ? [['no body', undefined] as [string, unknown]] : bodies) {
          const res = await t.request(method, url, body, { authorization: 'Bearer nonsense' });
          if (res.status >= 500) failures.push(`${method} ${url} with ${what}: ${res.status}`);
          else if (res.status >= 400 && !String(res.headers['content-type']).includes('application/problem+json')) {
            failures.push(`${method} ${url} with ${what}: ${res.status} without problem+json`);
          }
        }
      }
      const query = await t.request(method === 'GET' ? 'GET' : method, `${path.replace(/\{[^}]+\}/g, randomUUID())}?limit=-1&cursor=%%%&after=yesterday&status[]=x`);
      if (query.status >= 500) failures.push(`${method} ${path} with bad query: ${query.status}`);
    }
    expect(failures).toEqual([]);
  });

  it('put only records that match the AsyncAPI document on the streams (docs/adr/0020-asyncapi-contract.md)', async () => {
    expect(await streamContractProblems(t)).toEqual([]);
  });
});
