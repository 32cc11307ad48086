import { existsSync, mkdirSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { PutRecordCommand } from '@aws-sdk/client-kinesis';
import { Logger } from '@nestjs/common';
import { chromium, Browser, Page } from '@playwright/test';
import { OpsAccess, ProducerKeyStore } from '@eda/platform';
import { eventually, testKinesisClient } from '@eda/platform/testing';
import { aCustomer, aPricedProduct } from '../support/mothers';
import { startTestApp, TestApp } from '../support/test-app';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(__dirname, '..', '..', 'test-artifacts', 'console');
const UI_WAIT = 30_000;
const TRACE_VIEWER = 'http://localhost:16686/trace/{traceId}';
const SAGA_HANDLER = 'orders.place-order-saga';

/**
 * The operations console in a real browser (Debian's chromium driven by Playwright) against the app
 * listening on a port: log in, follow sagas, retry and discard dead letters, watch leases and streams, and
 * the bad input around it (wrong token, forged ids, huge pages, unknown filters, producer-controlled HTML).
 */
describe('operations console (browser)', () => {
  let t: TestApp;
  let base: string;
  let browser: Browser;
  let page: Page;
  const kinesis = testKinesisClient();
  // What the app logs through Nest's Logger, kept for the audit assertions (the calls go through unchanged).
  const logged = jest.spyOn(Logger.prototype, 'log');

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`The console tests drive Debian's chromium at ${CHROMIUM}, which is missing: apt-get install -y chromium (.ci/run does).`);
    }
    mkdirSync(ARTIFACTS, { recursive: true });
    t = await startTestApp({ CONSUMER_MAX_ATTEMPTS: '2', CONSUMER_RETRY_BASE_MS: '20', CONSUMER_IDLE_POLL_MAX_MS: '200', SAGA_TIMEOUT_SECONDS: '600', CONSOLE_TRACE_URL: TRACE_VIEWER });
    await t.app.listen(0, '127.0.0.1');
    base = (await t.app.getUrl()).replace('[::1]', '127.0.0.1');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.on('dialog', (dialog) => void dialog.accept());
    page.on('pageerror', (error) => console.error(`console page error: ${error.message}`));
  });
  afterAll(async () => {
    logged.mockRestore();
    await browser?.close();
    // The fetch calls' keep-alive pool re-opens a socket it never sends on, which the server would wait for
    // (until its headers timeout, a minute) before it can close: every client is this test's, so drop them.
    (t?.app.getHttpAdapter().getHttpServer() as import('node:http').Server | undefined)?.closeAllConnections();
    await t?.close();
    kinesis.destroy();
  });

  const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });

  const placeOrder = async (userId: string, organizationId: string, sku: string, quantity: number) => {
    const res = await t.request('POST', '/orders', { userId, organizationId, items: [{ sku, quantity }] });
    expect(res.status).toBe(202);
    return res.body.id as string;
  };
  /**
   * Holds an organization's orders in RESERVING, as a participant's reply the saga cannot apply does: the orders
   * context fails (a trigger, made with the database owner's rights; no hook in the app) whenever it would record
   * the credit reserved, so that CreditReserved is parked as a dead letter under the order's id. Returns the release.
   */
  async function holdCreditReplies(organizationId: string): Promise<() => Promise<void>> {
    const trigger = `test_hold_${organizationId.replace(/-/g, '')}`;
    await t.sql.query(`
      CREATE OR REPLACE FUNCTION orders.test_refuse_credit_reserved() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'test: the orders context cannot apply this CreditReserved'; END $$`);
    await t.sql.query(`
      CREATE TRIGGER ${trigger} BEFORE UPDATE ON orders.saga_instances FOR EACH ROW
      WHEN (NEW.state->>'organizationId' = '${organizationId}' AND NEW.state->>'credit' = 'RESERVED')
      EXECUTE FUNCTION orders.test_refuse_credit_reserved()`);
    return async () => {
      await t.sql.query(`DROP TRIGGER IF EXISTS ${trigger} ON orders.saga_instances`);
    };
  }
  /** The detail of this saga (not the one shown before the page switched to it). */
  const detail = (id: string) => page.locator(`[data-testid=saga-detail][data-saga="${id}"]`);
  const parkedOf = async (orderId: string) =>
    ((await t.request('GET', `/ops/dead-letters?handler=${encodeURIComponent(SAGA_HANDLER)}&key=${orderId}`)).body.items as Array<{ id: string; type: string }>);
  const auditLines = (action: string, sagaId: string) =>
    logged.mock.calls.filter(([message, context]) => context === action && (message as { sagaId?: string }).sagaId === sagaId).map(([message]) => message as Record<string, unknown>);

  it('serves a shell without data and keeps every data route behind the token', async () => {
    for (const path of ['/console', '/console/console.js', '/console/console.css']) {
      const res = await fetch(`${base}${path}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
      expect(res.headers.get('content-security-policy')).not.toContain('unsafe-inline');
    }
    const html = await (await fetch(`${base}/console`)).text();
    expect(html).not.toMatch(/<script>|on(click|load|error)=/i);
    for (const path of ['/console/other', '/console/console.js.map', '/ops/sagas', '/ops/sagas/counts', `/ops/sagas/${randomUUID()}`, '/ops/streams', '/ops/consumers', '/ops/dead-letters', '/ops/relay']) {
      expect((await fetch(`${base}${path}`)).status).toBe(401);
      expect((await fetch(`${base}${path}`, { headers: { authorization: 'Bearer wrong-token-wrong-token-wrong-token' } })).status).toBe(401);
    }
    expect((await fetch(`${base}/console`, { method: 'POST' })).status).toBe(401);
    expect((await fetch(`${base}/ops/sagas/${randomUUID()}/expire`, { method: 'POST' })).status).toBe(401);
  });

  it('refuses forged ids, huge pages and unknown filters with 4xx', async () => {
    expect((await t.request('GET', '/ops/sagas?limit=501')).status).toBe(400);
    expect((await t.request('GET', '/ops/sagas?limit=0')).status).toBe(400);
    expect((await t.request('GET', '/ops/sagas?sort=evil')).status).toBe(400);
    expect((await t.request('GET', '/ops/sagas?status=RUNNING&status=COMPLETED')).status).toBe(400);
    expect((await t.request('GET', '/ops/sagas?stuck=maybe')).status).toBe(400);
    expect((await t.request('GET', '/ops/sagas?cursor=forged')).status).toBe(400);
    expect((await t.request('GET', "/ops/sagas/1' OR '1'='1")).status).toBe(400);
    expect((await t.request('GET', `/ops/sagas/${randomUUID()}`)).status).toBe(404);
    expect((await t.request('POST', `/ops/sagas/${randomUUID()}/expire`)).status).toBe(404);
    expect((await t.request('POST', '/ops/sagas/not-a-saga/expire')).status).toBe(400);
    expect((await t.request('GET', '/ops/dead-letters?limit=100000')).status).toBe(400);
    expect((await t.request('GET', '/ops/dead-letters?owner=me')).status).toBe(400);
    expect((await t.request('GET', '/ops/dead-letters?cursor=1;DROP')).status).toBe(400);
  });

  it('shows the login for a missing or wrong token, never data; the URL token is taken once and removed', async () => {
    await page.goto(`${base}/console#sagas`);
    await page.locator('#login').waitFor({ state: 'visible' });
    expect(await page.locator('#view').textContent()).toBe('');
    await page.fill('#token', 'not-the-token-not-the-token-000000');
    await page.click('#login button[type=submit]');
    await page.locator('#login-error').filter({ hasText: 'refused' }).waitFor();
    expect(await page.locator('#view').textContent()).toBe('');
    await shot('login');

    await page.goto(`${base}/console#token=${encodeURIComponent(t.opsToken)}`);
    await page.locator('[data-testid=saga-counts]').waitFor();
    expect(page.url()).not.toContain('token');
    expect(await page.evaluate(() => (globalThis as unknown as { sessionStorage: { getItem(k: string): string | null } }).sessionStorage.getItem('eda.opsToken'))).toBe(t.opsToken);
    await page.click('#logout');
    await page.locator('#login').waitFor({ state: 'visible' });
    await page.fill('#token', t.opsToken);
    await page.click('#login button[type=submit]');
    await page.locator('[data-testid=saga-counts]').waitFor();
  });

  it('follows an order\'s saga to APPROVED, and a rejected order through its compensation', async () => {
    const { user, org } = await aCustomer(t, 1_000);
    const sku = await aPricedProduct(t, 500, 10);
    const approved = await placeOrder(user.id, org.id, sku, 1);
    await page.goto(`${base}/console#saga/${approved}`);
    await page.locator('[data-testid=saga-step]').filter({ hasText: 'APPROVED' }).waitFor({ timeout: UI_WAIT });
    expect(await page.locator('[data-testid=saga-status]').textContent()).toBe('COMPLETED');
    const steps = await page.locator('table').nth(0).locator('tbody tr td:first-child').allTextContents();
    expect(steps).toEqual(['RESERVING', 'APPROVED']);
    await page.locator('tr[data-type="orders.OrderApproved"]').waitFor({ timeout: UI_WAIT });
    expect(await page.locator('tr[data-type="inventory.ReserveStock"]').count()).toBe(1);
    expect(await page.locator('tr[data-type="organizations.ReserveCredit"]').count()).toBe(1);
    expect(await page.locator('[data-testid=saga-legs]').textContent()).toContain('stock (inventory): RESERVED');
    // Each event's trace id links to the trace viewer (CONSOLE_TRACE_URL) with that id in it.
    const viewer = page.locator('tr[data-type="orders.OrderApproved"] [data-testid=trace-viewer]');
    const traceId = await page.locator('tr[data-type="orders.OrderApproved"] td:nth-child(6) a.mono').textContent();
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(await viewer.getAttribute('href')).toBe(TRACE_VIEWER.replace('{traceId}', traceId!));
    expect(await viewer.getAttribute('rel')).toBe('noopener noreferrer');
    await shot('saga-approved');

    // Over the credit limit: stock was reserved, credit refused, so the saga releases the stock.
    const rejected = await placeOrder(user.id, org.id, sku, 3);
    await page.goto(`${base}/console#saga/${rejected}`);
    await page.locator('[data-testid=saga-step]').filter({ hasText: 'REJECTED' }).waitFor({ timeout: UI_WAIT });
    await page.locator('tr[data-type="inventory.ReleaseStock"]').waitFor({ timeout: UI_WAIT });
    expect(await page.locator('table').nth(0).locator('tbody tr td:first-child').allTextContents()).toEqual(['RESERVING', 'REJECTING', 'REJECTED']);
    expect(await page.locator('[data-testid=saga-status]').textContent()).toBe('COMPENSATED');
    await page.locator('[data-testid=saga-legs]').filter({ hasText: 'stock (inventory): RELEASED' }).waitFor({ timeout: UI_WAIT });
    await shot('saga-rejected');

    await page.goto(`${base}/console#sagas`);
    await page.locator(`[data-testid=sagas] tr[data-saga="${rejected}"]`).waitFor();
    await page.click('.card[data-status="COMPENSATED"]');
    await page.locator(`[data-testid=sagas] tr[data-saga="${approved}"]`).waitFor({ state: 'detached' });
    await page.locator(`[data-testid=sagas] tr[data-saga="${rejected}"]`).waitFor();
    await page.click('.card[data-status="ALL"]');
    await shot('sagas');
  });

  it('refuses to fire the deadline of a saga that waits for nothing', async () => {
    const { user, org } = await aCustomer(t, 10_000);
    const sku = await aPricedProduct(t, 100, 10);
    const id = await placeOrder(user.id, org.id, sku, 1);
    await eventually('the saga completes', async () => expect((await t.request('GET', `/ops/sagas/${id}`)).body.status).toBe('COMPLETED'), UI_WAIT, 100);
    const res = await t.request('POST', `/ops/sagas/${id}/expire`);
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('SAGA.INVALID_STATE');
  });

  it('shows an order waiting on a parked reply (PENDING, stuck), its producer-controlled events as text, then APPROVED once the reply is retried', async () => {
    const { user, org } = await aCustomer(t, 10_000);
    const sku = await aPricedProduct(t, 100, 10);
    const release = await holdCreditReplies(org.id);
    try {
      const id = await placeOrder(user.id, org.id, sku, 1);
      await page.goto(`${base}/console#sagas`);
      await page.locator(`[data-testid=stuck-sagas] tr[data-saga="${id}"]`, { hasText: 'reply parked' }).waitFor({ timeout: UI_WAIT });
      expect((await t.request('GET', `/orders/${id}`)).body.status).toBe('PENDING');

      await page.goto(`${base}/console#saga/${id}`);
      await detail(id).locator('[data-testid=saga-legs]', { hasText: 'credit (organizations): PENDING' }).waitFor({ timeout: UI_WAIT });
      expect(await detail(id).locator('[data-testid=saga-status]').textContent()).toBe('RUNNING');
      expect(await detail(id).locator('[data-testid=saga-step]').textContent()).toBe('RESERVING');
      await page.locator('tr', { hasText: 'organizations.CreditReserved' }).first().waitFor();

      // An external producer's event about this order: its data is shown as text, never run.
      const source = `notes-${randomUUID().slice(0, 8)}`;
      const key = (await t.app.get(ProducerKeyStore).issue([source], 'console e2e')).key;
      const evil = '<script>window.__pwned = 3</script><img src=x onerror=window.__pwned=4>';
      const posted = await t.request('POST', '/events', { specversion: '1.0', id: randomUUID(), source, type: 'com.acme.Note', subject: id, partitionkey: id, data: { note: evil } }, { authorization: `Bearer ${key}` });
      expect(posted.status).toBeLessThan(300);
      await page.locator('tr[data-type="com.acme.Note"]').waitFor({ timeout: UI_WAIT });
      expect(await page.locator('tr[data-type="com.acme.Note"] pre').textContent()).toContain(evil);
      expect(await page.evaluate(() => (globalThis as { __pwned?: number }).__pwned)).toBeUndefined();
      expect(await page.locator('tr[data-type="com.acme.Note"] script, tr[data-type="com.acme.Note"] img').count()).toBe(0);
      await shot('saga-waiting');

      // The operator fixes the cause and retries the parked reply from the dead letters page.
      await release();
      const [parked] = await parkedOf(id);
      await page.goto(`${base}/console#dead-letters`);
      await page.fill('input[name=key]', id);
      await page.click('form.filters button[type=submit]');
      await page.click(`tr[data-id="${parked.id}"] button[data-action=retry]`);
      await page.locator(`tr[data-id="${parked.id}"]`).waitFor({ state: 'detached', timeout: UI_WAIT });
      await page.fill('input[name=key]', '');
      await page.click('form.filters button[type=submit]');

      await page.goto(`${base}/console#saga/${id}`);
      await detail(id).locator('[data-testid=saga-step]', { hasText: 'APPROVED' }).waitFor({ timeout: UI_WAIT });
      expect(await detail(id).locator('[data-testid=saga-status]').textContent()).toBe('COMPLETED');
      expect(await detail(id).locator('[data-testid=saga-legs]').textContent()).toContain('credit (organizations): RESERVED');
      expect(await page.locator('table').nth(0).locator('tbody tr td:first-child').allTextContents()).toEqual(['RESERVING', 'APPROVED']);
      expect((await t.request('GET', `/orders/${id}`)).body.status).toBe('APPROVED');
    } finally {
      await release();
    }
  });

  it('fires a stuck saga\'s deadline from its page after a confirmation: it compensates; viewing and firing are audited', async () => {
    const { user, org } = await aCustomer(t, 10_000);
    const sku = await aPricedProduct(t, 100, 10);
    const release = await holdCreditReplies(org.id);
    try {
      const id = await placeOrder(user.id, org.id, sku, 2);
      await page.goto(`${base}/console#saga/${id}`);
      await detail(id).locator('.badge.warn', { hasText: 'reply parked' }).waitFor({ timeout: UI_WAIT });
      await detail(id).locator('[data-testid=saga-legs]', { hasText: 'stock (inventory): RESERVED' }).waitFor({ timeout: UI_WAIT });
      const confirmations: string[] = [];
      const confirm = (dialog: { message(): string }) => void confirmations.push(dialog.message());
      page.on('dialog', confirm);
      await page.click('button[data-action=expire]');
      await detail(id).locator('[data-testid=saga-step]', { hasText: 'REJECTING' }).waitFor({ timeout: UI_WAIT });
      page.off('dialog', confirm);
      expect(confirmations).toEqual([expect.stringContaining(`Fire the deadline of saga ${id} now?`)]);
      expect(await detail(id).locator('[data-testid=saga-status]').textContent()).toBe('COMPENSATING');
      await page.locator('tr[data-type="inventory.ReleaseStock"]').waitFor({ timeout: UI_WAIT });
      await page.locator('tr[data-type="organizations.ReleaseCredit"]').waitFor({ timeout: UI_WAIT });
      expect((await t.request('GET', `/orders/${id}`)).body).toMatchObject({ status: 'REJECTED', rejectionReason: 'TIMEOUT' });

      // Who (the token's fingerprint, never the token), from where and when: in the log.
      const fingerprint = t.app.get(OpsAccess).fingerprint;
      expect(auditLines('saga viewed', id).length).toBeGreaterThan(0);
      const fired = auditLines('saga deadline fired by an operator', id);
      expect(fired).toEqual([expect.objectContaining({ sagaId: id, token: fingerprint, ip: '127.0.0.1', at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), status: 'COMPENSATING', step: 'REJECTING' })]);
      expect(inspect(logged.mock.calls, { depth: 6 })).not.toContain(t.opsToken);

      // The credit's answers were parked behind the held reply: retried, the compensation ends.
      await release();
      const [parked] = await parkedOf(id);
      expect((await t.request('POST', `/ops/dead-letters/${parked.id}/retry`)).status).toBe(202);
      await detail(id).locator('[data-testid=saga-step]', { hasText: 'REJECTED' }).waitFor({ timeout: UI_WAIT });
      expect(await detail(id).locator('[data-testid=saga-status]').textContent()).toBe('COMPENSATED');
      expect(await page.locator('table').nth(0).locator('tbody tr td:first-child').allTextContents()).toEqual(['RESERVING', 'REJECTING', 'REJECTED']);
      await eventually('the stock is released', async () => expect((await t.request('GET', `/products/${sku}`)).body).toMatchObject({ reserved: 0 }), UI_WAIT, 200);
    } finally {
      await release();
    }
  });

  it('lists dead letters by handler and key, retries one until it is gone, discards another with a confirmation', async () => {
    const sku = await aPricedProduct(t, 100, 10);
    const bad = randomUUID();
    const command = (orderId: string, quantity: number) => JSON.stringify({
      specversion: '1.0', id: randomUUID(), source: 'orders', type: 'inventory.ReserveStock', subject: orderId, time: new Date().toISOString(),
      datacontenttype: 'application/json', partitionkey: orderId, correlationid: orderId, causationid: orderId, data: { orderId, lines: [{ sku, quantity }] },
    });
    await kinesis.send(new PutRecordCommand({ StreamName: `${t.streamPrefix}inventory-commands`, PartitionKey: bad, Data: Buffer.from(command(bad, -3)) }));
    const parked = await eventually('the malformed command is parked', async () => {
      const { body } = await t.request('GET', `/ops/dead-letters?key=${bad}`);
      expect(body.items).toHaveLength(1);
      return body.items[0];
    }, UI_WAIT, 100);
    // A message that failed earlier and applies now (the fault was fixed), with producer-controlled HTML in it.
    const good = randomUUID();
    const evil = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">';
    const { rows } = await t.sql.query(
      `INSERT INTO platform.dead_letters (consumer_group, handler, stream, shard_id, sequence_number, partition_key, message_id, type, event, error, attempts)
       SELECT consumer_group, handler, stream, shard_id, '1', $1, $2::jsonb->>'id', type, $2::jsonb, $3, 2 FROM platform.dead_letters WHERE id = $4
       RETURNING id::text`,
      [good, command(good, 2), `database was down ${evil}`, parked.id],
    );
    const retried = rows[0].id as string;

    await page.goto(`${base}/console#dead-letters`);
    await page.locator(`tr[data-id="${retried}"]`).waitFor({ timeout: UI_WAIT });
    expect(await page.locator(`tr[data-id="${retried}"] td.error`).textContent()).toBe(`database was down ${evil}`);
    expect(await page.evaluate(() => (globalThis as { __pwned?: number }).__pwned)).toBeUndefined();
    await page.fill('input[name=handler]', parked.handler);
    await page.fill('input[name=key]', bad);
    await page.click('form.filters button[type=submit]');
    await page.locator(`tr[data-id="${retried}"]`).waitFor({ state: 'detached' });
    await page.locator(`tr[data-id="${parked.id}"]`).waitFor();
    await page.fill('input[name=key]', '');
    await page.click('form.filters button[type=submit]');
    await page.locator(`tr[data-id="${retried}"]`).waitFor();
    await shot('dead-letters');

    await page.click(`tr[data-id="${retried}"] button[data-action=retry]`);
    await page.locator(`tr[data-id="${retried}"]`).waitFor({ state: 'detached', timeout: UI_WAIT });
    expect((await t.request('GET', `/products/${sku}`)).body).toMatchObject({ reserved: 2 });
    await page.click(`tr[data-id="${parked.id}"] button[data-action=discard]`);
    await page.locator(`tr[data-id="${parked.id}"]`).waitFor({ state: 'detached', timeout: UI_WAIT });
    expect((await t.sql.query('SELECT status FROM platform.dead_letters WHERE id = $1', [parked.id])).rows[0].status).toBe('discarded');
  });

  it('shows every shard lease of every group with its owner, checkpoint and lag, and a dead worker\'s leases moving', async () => {
    await page.goto(`${base}/console#consumers`);
    await page.locator('tr[data-shard^="inventory-commands/"]').first().waitFor({ timeout: UI_WAIT });
    const row = await page.locator('tr[data-shard^="inventory-commands/"]').first().locator('td').allTextContents();
    expect(row[2]).not.toBe('');
    expect(row[3]).toMatch(/^\d+$|TRIM_HORIZON/);

    // Another deployment's group in the same database: one worker alive, one that stopped renewing (it died).
    const other = `billing-${randomUUID().slice(0, 8)}`;
    await t.sql.query(
      `INSERT INTO platform.consumer_leases (consumer_group, stream, shard_id, owner, counter, expires_at, checkpoint)
       VALUES ($1, 'billing-events', 'shardId-000000000000', 'billing-worker-1', 7, now() + interval '1 hour', '49650000000000000000000000000000000000000000000000000001'),
              ($1, 'billing-events', 'shardId-000000000001', 'billing-worker-2', 9, now() - interval '5 seconds', 'TRIM_HORIZON')`,
      [other],
    );
    try {
      const group = page.locator(`[data-group="${other}"]`);
      const moving = group.locator('tr[data-shard="billing-events/shardId-000000000001"] [data-testid=lease-owner]');
      await moving.filter({ hasText: 'moving to a live worker' }).waitFor({ timeout: UI_WAIT });
      expect(await moving.textContent()).toContain('billing-worker-2');
      expect(await group.locator('p.summary').textContent()).toMatch(/workers: billing-worker-1 \(1\).*1 expired: moving/);
      await shot('consumers');
      // The live worker takes it over: the page, refreshing itself, shows the new owner.
      await t.sql.query(
        `UPDATE platform.consumer_leases SET owner = 'billing-worker-1', counter = counter + 1, expires_at = now() + interval '1 hour'
          WHERE consumer_group = $1 AND shard_id = 'shardId-000000000001'`,
        [other],
      );
      await moving.filter({ hasText: /^billing-worker-1$/ }).waitFor({ timeout: UI_WAIT });
    } finally {
      await t.sql.query('DELETE FROM platform.consumer_leases WHERE consumer_group = $1', [other]);
    }

    // This process's own group: a lease taken by a worker that then died moves to the live worker once expired.
    const own = (await t.request('GET', '/ops/consumers')).body.find((l: { stream: string; owner: string | null }) => l.stream === 'inventory-commands' && l.owner);
    const { rows: [hijacked] } = await t.sql.query(
      `UPDATE platform.consumer_leases SET owner = 'worker-that-died', counter = counter + 1, expires_at = now() - interval '1 second'
        WHERE consumer_group = $1 AND stream = $2 AND shard_id = $3 RETURNING counter::int AS counter`,
      [own.consumerGroup, own.stream, own.shardId],
    );
    await eventually('the live worker takes the dead worker\'s lease', async () => {
      const { rows: [lease] } = await t.sql.query(
        'SELECT owner, counter::int AS counter FROM platform.consumer_leases WHERE consumer_group = $1 AND stream = $2 AND shard_id = $3',
        [own.consumerGroup, own.stream, own.shardId],
      );
      expect(lease.owner).toBe(own.owner);
      expect(lease.counter).toBeGreaterThan(hijacked.counter);
    }, UI_WAIT, 200);
    await page.reload();
    const ownerCell = page.locator(`[data-group="${own.consumerGroup}"] tr[data-shard="${own.stream}/${own.shardId}"] [data-testid=lease-owner]`);
    await ownerCell.waitFor({ timeout: UI_WAIT });
    expect(await ownerCell.textContent()).toBe(own.owner);
  });

  it('flags a hot key after a burst on one key, with sizing advice', async () => {
    const keys = t.app.get(ProducerKeyStore);
    const source = `burst-${randomUUID().slice(0, 8)}`;
    const key = (await keys.issue([source], 'console e2e')).key;
    const big = 'x'.repeat(450 * 1024);
    for (let i = 0; i < 3; i++) {
      const res = await t.request('POST', '/events', { specversion: '1.0', id: randomUUID(), source, type: 'com.acme.Burst', partitionkey: 'tenant-42', data: { big } }, { authorization: `Bearer ${key}` });
      expect(res.status).toBeLessThan(300);
    }
    await t.request('POST', '/events', { specversion: '1.0', id: randomUUID(), source, type: 'com.acme.Calm', partitionkey: 'calm-key', data: { n: 1 } }, { authorization: `Bearer ${key}` });

    const report = (await t.request('GET', '/ops/streams')).body;
    const stream = report.streams.find((s: { keys: Array<{ key: string }> }) => s.keys.some((k) => k.key === 'tenant-42'));
    expect(stream.keys.find((k: { key: string }) => k.key === 'tenant-42')).toMatchObject({ hot: true });
    expect(stream.keys.find((k: { key: string }) => k.key === 'calm-key')).toMatchObject({ hot: false });
    expect(stream.advice.join('\n')).toMatch(/Key tenant-42 (alone needs [\d.]+ shards|takes \d+ % of a shard)/);

    await page.goto(`${base}/console#streams`);
    await page.locator('tr[data-key="tenant-42"] [data-testid=hot-key]').waitFor({ timeout: UI_WAIT });
    expect(await page.locator('tr[data-key="calm-key"] [data-testid=hot-key]').count()).toBe(0);
    await page.locator('ul.advice li', { hasText: 'Key tenant-42' }).waitFor();
    await shot('streams');
  });

  it('marks the figures stale when the server stops answering', async () => {
    await page.goto(`${base}/console#consumers`);
    await page.locator('#freshness').filter({ hasText: 'Updated' }).waitFor();
    await page.route('**/ops/**', (route) => route.abort());
    await page.locator('#freshness.stale').waitFor({ timeout: UI_WAIT });
    await page.unroute('**/ops/**');
  });
});
