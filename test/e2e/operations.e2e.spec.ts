import { KinesisFaultProxy, testKinesisEndpoint } from '@eda/platform/testing';
import { aUser } from '../support/mothers';
import { startTestApp, TestApp } from '../support/test-app';

describe('operations endpoints (every process serves them)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('reports liveness, and readiness of the database and Kinesis', async () => {
    expect((await t.request('GET', '/health/live')).status).toBe(200);
    const ready = await t.request('GET', '/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.details).toMatchObject({ database: { status: 'up' }, kinesis: { status: 'up' } });
  });

  it('exposes Prometheus metrics, counting the events appended', async () => {
    await aUser(t);
    const metrics = await t.request('GET', '/metrics');
    expect(metrics.status).toBe(200);
    expect(String(metrics.headers['content-type'])).toContain('text/plain');
    expect(metrics.body).toMatch(/eda_events_appended_total\{source="users",type="users.UserRegistered"\} 1/);
    expect(metrics.body).toContain('process_cpu_user_seconds_total');
    // The app's own series follow Prometheus' conventions: one prefix, seconds, counters in _total.
    const own = [...(metrics.body as string).matchAll(/^# TYPE (\S+) (\S+)$/gm)]
      .map(([, name, type]) => ({ name, type }))
      .filter(({ name }) => !name.startsWith('process_') && !name.startsWith('nodejs_'));
    expect(own.map((m) => m.name)).toEqual(expect.arrayContaining(['eda_relay_lag_seconds', 'eda_relay_records_sent_total']));
    expect(own.filter(({ name }) => !name.startsWith('eda_'))).toEqual([]);
    expect(own.filter(({ name, type }) => type === 'counter' && !name.endsWith('_total'))).toEqual([]);
    expect(own.filter(({ name }) => /_ms$|_millis(econds)?$/.test(name))).toEqual([]);
  });

  it('documents every route in OpenAPI 3 and serves Swagger UI', async () => {
    const doc = await t.request('GET', '/docs-json');
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toMatch(/^3\./);
    for (const path of ['/users', '/users/{id}', '/users/{id}/deactivate', '/health/ready', '/metrics']) {
      expect(Object.keys(doc.body.paths)).toContain(path);
    }
    expect(doc.body.components.schemas).toHaveProperty('RegisterUserDto');
    const ui = await t.request('GET', '/docs');
    expect(ui.status).toBe(200);
    expect(String(ui.body)).toContain('swagger');
  });

  it('answers unknown routes and methods with a problem, never a 5xx', async () => {
    const missing = await t.request('GET', '/nothing-here');
    expect(missing.status).toBe(404);
    expect(String(missing.headers['content-type'])).toContain('application/problem+json');
    expect((await t.request('DELETE', '/users')).status).toBe(404);
  });

  it('rebuilds every projection by its name on one route, and answers an unknown name with a 404 problem', async () => {
    const names = ['users.user-memberships', 'organizations.known-users', 'orders.product-prices', 'orders.user-names', 'orders.organization-names', 'orders.order-summaries'];
    for (const projection of names) {
      const res = await t.request('POST', `/ops/projections/${projection}/rebuild`);
      expect([projection, res.status, res.body]).toEqual([projection, 200, { projection, replayed: expect.any(Number) }]);
    }
    const unknown = await t.request('POST', '/ops/projections/orders.nothing/rebuild');
    expect(unknown.status).toBe(404);
    expect(String(unknown.headers['content-type'])).toContain('application/problem+json');
    expect(unknown.body).toMatchObject({ code: 'PROJECTION.NOT_FOUND' });
  });
});

describe('a process without the api role (ROLES=relay,consumer)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ ROLES: 'relay,consumer' });
  });
  afterAll(() => t.close());

  it('serves health, metrics, docs and ops, but none of the contexts’ routes nor POST /events', async () => {
    for (const url of ['/health/live', '/health/ready', '/metrics', '/docs-json', '/docs/asyncapi.json', '/ops/relay', '/ops/relay/parked', '/ops/consumers', '/ops/dead-letters', '/ops/sagas']) {
      expect([url, (await t.request('GET', url)).status]).toEqual([url, 200]);
    }
    expect((await t.request('POST', '/users', { email: 'x@example.com', username: 'nobody', firstName: 'N', lastName: 'O' })).status).toBe(404);
    expect((await t.request('GET', '/products/ANY')).status).toBe(404);
    expect((await t.request('POST', '/events', {})).status).toBe(404);
    const rebuilt = await t.request('POST', '/ops/projections/users.user-memberships/rebuild');
    expect([rebuilt.status, rebuilt.body]).toEqual([200, { projection: 'users.user-memberships', replayed: expect.any(Number) }]);
    const paths = Object.keys((await t.request('GET', '/docs-json')).body.paths);
    expect(paths.filter((p) => /^\/(users|organizations|products|orders|events)/.test(p))).toEqual([]);
  });
});

describe('readiness while Kinesis is unreachable', () => {
  let proxy: KinesisFaultProxy;
  let t: TestApp;
  beforeAll(async () => {
    proxy = await new KinesisFaultProxy(testKinesisEndpoint()).start();
    t = await startTestApp({ KINESIS_ENDPOINT: proxy.endpoint, ROLES: 'api' });
  });
  afterAll(async () => {
    await t?.close();
    await proxy?.stop();
  });

  it('answers 503 without credentials, naming the check down with a stable reason and none of the driver\'s words', async () => {
    proxy.cutFor(60_000);
    const ready = await t.request('GET', '/health/ready', undefined, { authorization: '' });
    expect(ready.status).toBe(503);
    expect(String(ready.headers['content-type'])).toContain('application/problem+json');
    expect(ready.body.details.database).toEqual({ status: 'up' });
    expect(ready.body.details.kinesis).toEqual({ status: 'down', reason: expect.stringMatching(/^(TIMEOUT|UNAVAILABLE)$/) });
    // The open probe tells nobody where Kinesis lives or what the socket said.
    expect(JSON.stringify(ready.body)).not.toMatch(/127\.0\.0\.1|ECONNRESET|socket|hang up|http:/i);
    proxy.heal();
  });
});
