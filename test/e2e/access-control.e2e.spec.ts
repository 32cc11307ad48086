import { randomUUID } from 'node:crypto';
import { ProducerKeyStore } from '@eda/platform';
import { eventually } from '@eda/platform/testing';
import { aUser } from '../support/mothers';
import { startTestApp, TestApp } from '../support/test-app';

const NO_AUTH = { authorization: '' }; // the test helper then sends no Authorization header at all
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** Every operation the OpenAPI document lists under /ops, path parameters filled in. */
async function opsOperations(t: TestApp): Promise<Array<{ method: string; url: string }>> {
  const doc = (await t.request('GET', '/docs-json')).body as { paths: Record<string, Record<string, unknown>> };
  return Object.entries(doc.paths)
    .filter(([path]) => path.startsWith('/ops/'))
    .flatMap(([path, item]) => Object.keys(item).map((method) => ({ method: method.toUpperCase(), url: path.replace(/\{[^}]+\}/g, '0') })));
}

function expectUnauthorized(res: { status: number; headers: Record<string, unknown>; body: any }, what: string): void {
  expect([what, res.status]).toEqual([what, 401]);
  expect(String(res.headers['content-type'])).toContain('application/problem+json');
  expect(String(res.headers['www-authenticate'])).toMatch(/^Bearer/);
  expect(res.body).toMatchObject({ status: 401, title: 'Unauthorized' });
}

describe('access control (operations token, producer key scopes)', () => {
  let t: TestApp;
  let keys: ProducerKeyStore;
  let source: string;
  beforeAll(async () => {
    t = await startTestApp();
    keys = t.app.get(ProducerKeyStore);
    source = `acme-${randomUUID().slice(0, 8)}`;
  });
  afterAll(() => t?.close());

  const event = () => ({ specversion: '1.0', id: randomUUID(), source, type: 'com.acme.Thing', subject: 'thing-1', data: {} });

  describe('/ops/*', () => {
    it('answers every operations route with 401 problem+json and WWW-Authenticate without the token, or with a wrong one', async () => {
      const operations = await opsOperations(t);
      // The routes the platform and the contexts serve today; routes added later are covered by the same loop.
      expect(operations.map((o) => `${o.method} ${o.url}`)).toEqual(
        expect.arrayContaining([
          'GET /ops/relay', 'GET /ops/consumers', 'GET /ops/dead-letters', 'POST /ops/dead-letters/0/retry',
          'DELETE /ops/dead-letters/0', 'GET /ops/sagas', 'POST /ops/projections/0/rebuild',
        ]),
      );
      for (const { method, url } of operations) {
        expectUnauthorized(await t.request(method, url, undefined, NO_AUTH), `${method} ${url} without a token`);
        expectUnauthorized(await t.request(method, url, undefined, bearer(`${t.opsToken}x`)), `${method} ${url} with a wrong token`);
        expectUnauthorized(await t.request(method, url, undefined, { authorization: `Basic ${Buffer.from(`ops:${t.opsToken}`).toString('base64')}` }), `${method} ${url} with Basic`);
      }
    });

    it('serves every operations route with the token', async () => {
      for (const { method, url } of await opsOperations(t)) {
        const res = await t.request(method, url, undefined, bearer(t.opsToken));
        if (method === 'GET' && !url.endsWith('/0')) expect([method, url, res.status]).toEqual([method, url, 200]);
        // Dead letter 0 and saga 0 do not exist (a saga id is a UUID: 400): the route ran and said so.
        else expect([method, url, [200, 202, 204, 400, 404].includes(res.status)]).toEqual([method, url, true]);
      }
    });

    it('refuses unknown and disguised operations paths without the token, so nothing tells which routes exist', async () => {
      for (const url of ['/ops', '/ops/nothing-here', '/%6fps/relay', '/ops/relay/', '/console/index.html', '/console/console.js.map', '/%63onsole/other']) {
        expectUnauthorized(await t.request('GET', url, undefined, NO_AUTH), url);
      }
      // The console's static shell is the one exception (ADR 0013): it holds no data.
      for (const url of ['/console', '/console/console.js', '/console/console.css']) {
        expect([url, (await t.request('GET', url, undefined, NO_AUTH)).status]).toEqual([url, 200]);
      }
      expectUnauthorized(await t.request('POST', '/console', undefined, NO_AUTH), 'POST /console');
      expect((await t.request('GET', '/ops/nothing-here', undefined, bearer(t.opsToken))).status).toBe(404);
    });

    it('discards no parked message for a caller without the token, and does with it', async () => {
      const { rows } = await t.sql.query(
        `INSERT INTO platform.dead_letters (consumer_group, handler, stream, shard_id, sequence_number, partition_key, message_id, type, event, error, attempts)
         VALUES ('eda', 'some.handler', 's', 'shardId-000000000000', '1', 'k', $1, 'x.Happened', '{}'::jsonb, 'boom', 5) RETURNING id::text`,
        [randomUUID()],
      );
      const id = rows[0].id as string;
      const status = async () => (await t.sql.query('SELECT status FROM platform.dead_letters WHERE id = $1', [id])).rows[0].status;
      expectUnauthorized(await t.request('DELETE', `/ops/dead-letters/${id}`, undefined, NO_AUTH), 'DELETE without a token');
      expect(await status()).toBe('parked');
      expect((await t.request('DELETE', `/ops/dead-letters/${id}`, undefined, bearer(t.opsToken))).status).toBe(204);
      expect(await status()).toBe('discarded');
    });
  });

  describe('reading the event log', () => {
    it('answers 401 without credentials or with an unknown token, for the list and for one event', async () => {
      for (const url of ['/events', `/events/${randomUUID()}`]) {
        expectUnauthorized(await t.request('GET', url, undefined, NO_AUTH), `${url} without credentials`);
        expectUnauthorized(await t.request('GET', url, undefined, bearer(`eda_pk_${'A'.repeat(43)}`)), `${url} with an unknown key`);
      }
    });

    it('answers 403 to a key that may only publish, and 200 to a key with the read scope and to the operations token', async () => {
      const user = await aUser(t);
      const publisher = await keys.issue([source]);
      const reader = await keys.issue([], 'dashboard', ['read']);
      const both = await keys.issue([source], undefined, ['publish', 'read']);

      const forbidden = await t.request('GET', '/events', undefined, bearer(publisher.key));
      expect(forbidden.status).toBe(403);
      expect(forbidden.body).toMatchObject({ status: 403, code: 'EVENT_LOG.SCOPE_FORBIDDEN' });
      expect(JSON.stringify(forbidden.body)).not.toContain(user.email);

      for (const token of [reader.key, both.key, t.opsToken]) {
        // GET /events lists what committed below every transaction still open (docs/adr/0011): on a busy machine
        // a consumer's transaction may still be open when the user's event commits, so it shows a moment later.
        const list = await eventually('the event is listed', async () => {
          const res = await t.request('GET', `/events?subject=${user.id}`, undefined, bearer(token));
          expect(res.status).toBe(200);
          expect(res.body.items[0]).toMatchObject({ type: 'users.UserRegistered', data: expect.objectContaining({ email: user.email }) });
          return res;
        }, 20_000, 100);
        expect((await t.request('GET', `/events/${list.body.items[0].id}`, undefined, bearer(token))).status).toBe(200);
      }
    });

    it('answers 401 to a revoked read key', async () => {
      const reader = await keys.issue([], undefined, ['read']);
      expect((await t.request('GET', '/events', undefined, bearer(reader.key))).status).toBe(200);
      await keys.revoke(reader.id);
      expectUnauthorized(await t.request('GET', '/events', undefined, bearer(reader.key)), 'a revoked key');
    });
  });

  describe('publishing', () => {
    it('answers 403 to a read-only key (even one whose row lists the source) and records nothing', async () => {
      const reader = await keys.issue([], undefined, ['read']);
      await t.sql.query(`UPDATE platform.producer_keys SET allowed_sources = ARRAY[$2] WHERE id = $1`, [reader.id, source]);
      const sent = event();
      const res = await t.request('POST', '/events', sent, bearer(reader.key));
      expect(res.status).toBe(403);
      expect(res.body).toMatchObject({ code: 'EVENT_LOG.SCOPE_FORBIDDEN' });
      expect((await t.sql.query('SELECT count(*)::int AS n FROM platform.event_log WHERE id = $1', [sent.id])).rows[0].n).toBe(0);
    });

    it('does not accept the operations token as a producer key', async () => {
      expectUnauthorized(await t.request('POST', '/events', event(), bearer(t.opsToken)), 'the ops token on POST /events');
    });
  });

  describe('what stays open', () => {
    it('serves health, metrics and docs without credentials', async () => {
      for (const url of ['/health/live', '/health/ready', '/metrics', '/docs', '/docs-json', '/docs/asyncapi.json']) {
        expect([url, (await t.request('GET', url, undefined, NO_AUTH)).status]).toEqual([url, 200]);
      }
    });

    it('sends security headers, with a CSP Swagger UI works under (no inline script, same-origin files)', async () => {
      const res = await t.request('GET', '/health/live', undefined, NO_AUTH);
      expect(res.headers).toMatchObject({ 'x-content-type-options': 'nosniff', 'x-frame-options': 'SAMEORIGIN' });
      const csp = String(res.headers['content-security-policy']);
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toContain('upgrade-insecure-requests');
      expect(String((await t.request('GET', '/ops/relay', undefined, NO_AUTH)).headers['x-content-type-options'])).toBe('nosniff');

      const ui = await t.request('GET', '/docs', undefined, NO_AUTH);
      expect(String(ui.headers['content-security-policy'])).toBe(csp);
      const scripts = [...String(ui.body).matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
      expect(scripts.length).toBeGreaterThan(0);
      for (const [, attributes, body] of scripts) {
        expect(attributes).toMatch(/src="\.?\/?[\w./-]+"/); // a file of this origin, which script-src 'self' allows
        expect(body.trim()).toBe('');
      }
      for (const file of scripts.map(([, attributes]) => /src="([^"]+)"/.exec(attributes)![1])) {
        expect([file, (await t.request('GET', new URL(file, 'http://x/docs').pathname, undefined, NO_AUTH)).status]).toEqual([file, 200]);
      }
    });

    it('documents the operations token on every /ops route and both schemes in OpenAPI', async () => {
      const doc = (await t.request('GET', '/docs-json')).body;
      expect(doc.components.securitySchemes).toMatchObject({
        'ops-token': { type: 'http', scheme: 'bearer' },
        'producer-key': { type: 'http', scheme: 'bearer' },
      });
      const opsPaths = Object.keys(doc.paths).filter((p) => p.startsWith('/ops/'));
      expect(opsPaths.length).toBeGreaterThan(4);
      for (const path of opsPaths) {
        for (const [method, operation] of Object.entries<any>(doc.paths[path])) {
          expect([method, path, operation.security]).toEqual([method, path, [{ 'ops-token': [] }]]);
          expect(operation.responses).toHaveProperty('401');
        }
      }
      expect(doc.paths['/health/ready'].get.security).toBeUndefined();
    });
  });
});

describe('POST /events rate limit (EVENTS_RATE_LIMIT_PER_SECOND=3)', () => {
  let t: TestApp;
  let keys: ProducerKeyStore;
  const source = `limited-${randomUUID().slice(0, 8)}`;
  beforeAll(async () => {
    t = await startTestApp({ EVENTS_RATE_LIMIT_PER_SECOND: '3' });
    keys = t.app.get(ProducerKeyStore);
  });
  afterAll(() => t?.close());

  const event = () => ({ specversion: '1.0', id: randomUUID(), source, type: 'com.acme.Thing', subject: 'thing-1', data: {} });
  const burst = (authorization: string, n: number) => {
    const events = Array.from({ length: n }, event);
    return Promise.all(events.map((e) => t.request('POST', '/events', e, { authorization }))).then((answers) => ({ events, answers }));
  };
  const recorded = async (ids: string[]) => (await t.sql.query('SELECT count(*)::int AS n FROM platform.event_log WHERE id = ANY($1::text[])', [ids])).rows[0].n;

  it('answers 429 problem+json with Retry-After past the limit, per key, and records nothing refused', async () => {
    const busy = await keys.issue([source]);
    const quiet = await keys.issue([source]);
    const { events, answers } = await burst(`Bearer ${busy.key}`, 10);
    const limited = answers.filter((a) => a.status === 429);
    expect(limited.length).toBeGreaterThan(0);
    expect(answers.every((a) => a.status === 201 || a.status === 429)).toBe(true);
    expect(limited[0].body).toMatchObject({ status: 429, title: 'Too Many Requests', code: 'EVENT_LOG.RATE_LIMITED' });
    expect(String(limited[0].headers['content-type'])).toContain('application/problem+json');
    expect(Number(limited[0].headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(await recorded(events.map((e) => e.id))).toBe(answers.filter((a) => a.status === 201).length);

    // Another key has its own allowance.
    expect((await t.request('POST', '/events', event(), { authorization: `Bearer ${quiet.key}` })).status).toBe(201);
  });

  it('counts requests without a live key per client address, so inventing keys buys nothing', async () => {
    const { answers } = await Promise.all(
      Array.from({ length: 10 }, () => t.request('POST', '/events', event(), { authorization: `Bearer eda_pk_${randomUUID().replace(/-/g, '').padEnd(43, 'x')}` })),
    ).then((a) => ({ answers: a }));
    expect(answers.some((a) => a.status === 429)).toBe(true);
    expect(answers.every((a) => a.status === 401 || a.status === 429)).toBe(true);
  });
});
