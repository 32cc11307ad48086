import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@eda/platform/runtime';
import { eventually } from '@eda/platform/testing';
import { buildApp } from '../support/app-process';

const root = join(__dirname, '..', '..');

/** `npm start` as a user runs it: the built app, no DATABASE_URL, no KINESIS_ENDPOINT. */
// Built into a private folder: other test files may be rebuilding the shared dist/ at the same time.
const build = buildApp();
const main = build.main;

function start(env: Record<string, string>): { child: ChildProcess; output: () => string } {
  let output = '';
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(DATABASE_URL|KINESIS_ENDPOINT|AWS_REGION|OPS_TOKEN|HOST|TEST_|JEST_)/.test(k)),
  );
  const child = spawn(process.execPath, [main], { cwd: root, env: { ...clean, LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  return { child, output: () => output };
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code))));
}

/** Waits for a clean exit; on any other, fails with what the process printed, so the cause is in the report. */
async function expectCleanExit(run: { child: ChildProcess; output: () => string }): Promise<void> {
  const code = await exited(run.child);
  if (code !== 0) throw new Error(`exited with ${code} (signal ${run.child.signalCode}); it printed:\n${run.output().slice(-4000)}`);
}

/** The operations token the banner printed. */
function bannerToken(output: string): string {
  const token = /^Ops +token (\S+) /m.exec(output)?.[1];
  if (!token) throw new Error(`no ops token in the banner:\n${output}`);
  return token;
}

/** An address of this machine other than loopback, if it has one. */
function externalAddress(): string | undefined {
  return Object.values(networkInterfaces())
    .flat()
    .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;
}

function processesUsing(dir: string): string {
  try {
    return execFileSync('pgrep', ['-af', dir], { encoding: 'utf8' }).trim();
  } catch {
    return ''; // pgrep exits 1 when nothing matches
  }
}

describe('npm start (the built app with embedded PostgreSQL and kinesalite)', () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'eda-start-'));
  });
  afterAll(() => {
    rmSync(dataDir, { recursive: true, force: true });
    build.remove();
  });

  it('boots, prints where everything is, keeps data across a restart and leaves nothing running after Ctrl-C', async () => {
    const port = await freePort();
    const first = start({ PORT: String(port), DATA_DIR: dataDir });
    await eventually('the app says it is ready', () => expect(first.output()).toMatch(/ready in \d+ ms/), 60_000, 100);
    expect(first.output()).toContain(`API      http://localhost:${port}`);
    expect(first.output()).toMatch(/Docs .*\/docs .*AsyncAPI: .*\/docs\/asyncapi\.json/);
    expect(first.output()).toMatch(/Metrics .*\/metrics/);
    expect(first.output()).toMatch(/Database embedded PostgreSQL/);
    expect(first.output()).toMatch(/Kinesis {2}embedded kinesalite/);
    // No OPS_TOKEN: one is generated, kept in DATA_DIR for its owner only, and printed.
    const token = bannerToken(first.output());
    expect(first.output()).toContain(`generated, kept in ${join(dataDir, 'ops-token')}`);
    expect(statSync(join(dataDir, 'ops-token')).mode & 0o777).toBe(0o600);

    const base = `http://127.0.0.1:${port}`;
    expect((await fetch(`${base}/docs`)).status).toBe(200);
    // The built app serves the streams' contract too, with its stream prefix (docs/contract.md §4).
    const asyncApi = await (await fetch(`${base}/docs/asyncapi.json`)).json();
    expect(asyncApi).toMatchObject({ asyncapi: '3.0.0', channels: { 'orders-events': { parameters: { streamPrefix: { default: 'eda-' } } } } });
    expect((await fetch(`${base}/ops/relay`)).status).toBe(401);
    expect((await fetch(`${base}/ops/relay`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    // HOST defaults to loopback: the port is not reachable on the machine's other addresses.
    expect(first.output()).toContain('(listening on 127.0.0.1)');
    const external = externalAddress();
    if (external) await expect(fetch(`http://${external}:${port}/health/live`)).rejects.toThrow();
    const created = await fetch(`${base}/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'grace@example.com', username: 'grace', firstName: 'Grace', lastName: 'Hopper' }),
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };

    first.child.kill('SIGINT');
    await expectCleanExit(first);
    await eventually('no process uses the data directory', () => expect(processesUsing(dataDir)).toBe(''), 10_000);

    const second = start({ PORT: String(port), DATA_DIR: dataDir });
    try {
      await eventually('the restarted app is ready', () => expect(second.output()).toMatch(/ready in \d+ ms/), 60_000, 100);
      const again = await fetch(`${base}/users/${id}`);
      expect(again.status).toBe(200);
      expect(await again.json()).toMatchObject({ username: 'grace' });
      // The restart keeps the token it generated the first time.
      expect(bannerToken(second.output())).toBe(token);
      expect(second.output()).toContain(`(kept in ${join(dataDir, 'ops-token')}`);
      expect((await fetch(`${base}/ops/relay`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    } finally {
      second.child.kill('SIGTERM');
      await expectCleanExit(second);
    }
    await eventually('no process uses the data directory', () => expect(processesUsing(dataDir)).toBe(''), 10_000);
  });

  it('uses OPS_TOKEN when set: prints where it came from, never the token, and keeps no file', async () => {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'eda-start-token-'));
    const opsToken = 'operator-chosen-token-0123456789-abcdefghij';
    const run = start({ PORT: String(port), DATA_DIR: dir, OPS_TOKEN: opsToken, LOG_LEVEL: 'info' });
    try {
      await eventually('the app is ready', () => expect(run.output()).toMatch(/ready in \d+ ms/), 60_000, 100);
      expect(run.output()).toContain('Ops      token from OPS_TOKEN');
      expect(run.output()).not.toContain(opsToken);
      expect(() => statSync(join(dir, 'ops-token'))).toThrow();
      const base = `http://127.0.0.1:${port}`;
      expect((await fetch(`${base}/ops/sagas`, { headers: { authorization: `Bearer ${opsToken}` } })).status).toBe(200);
      expect((await fetch(`${base}/ops/sagas`, { headers: { authorization: 'Bearer operator-chosen-token-0123456789-abcdefghiJ' } })).status).toBe(401);
      // A change made with the token is logged with the token's fingerprint, never the token.
      const rebuilt = await fetch(`${base}/ops/projections/users.user-memberships/rebuild`, { method: 'POST', headers: { authorization: `Bearer ${opsToken}` } });
      expect(rebuilt.status).toBe(200);
      await eventually('the ops action is logged', () => expect(run.output()).toMatch(/"msg":"ops action"/), 10_000);
      const line = JSON.parse(run.output().split('\n').find((l) => l.includes('"msg":"ops action"'))!);
      expect(line).toMatchObject({ method: 'POST', route: '/ops/projections/:name/rebuild', url: '/ops/projections/users.user-memberships/rebuild', token: expect.stringMatching(/^sha256:[0-9a-f]{12}$/) });
      expect(run.output()).not.toContain(opsToken);
      // Every request but health and metrics is logged once it is answered, under its request id, the
      // authorization header redacted.
      const requestId = `start-e2e-${Date.now()}`;
      expect((await fetch(`${base}/health/live`)).status).toBe(200);
      expect((await fetch(`${base}/users/00000000-0000-0000-0000-000000000000`, { headers: { 'x-request-id': requestId, authorization: `Bearer ${opsToken}` } })).status).toBe(404);
      await eventually('the request is logged', () => expect(run.output()).toContain(`"id":"${requestId}"`), 10_000);
      const requestLine = JSON.parse(run.output().split('\n').find((l) => l.includes(`"id":"${requestId}"`) && l.includes('"res"'))!);
      expect(requestLine).toMatchObject({ level: 30, req: { method: 'GET', url: '/users/00000000-0000-0000-0000-000000000000' }, res: { statusCode: 404 } });
      expect(run.output()).not.toMatch(/"url":"\/health\/live"/);
      expect(run.output()).not.toContain(opsToken);
    } finally {
      run.child.kill('SIGTERM');
      await exited(run.child);
      await eventually('no process uses the data directory', () => expect(processesUsing(dir)).toBe(''), 10_000);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a bad variable with one line naming it, and starts nothing', async () => {
    const run = start({ PORT: 'eighty', DATA_DIR: join(dataDir, 'never') });
    expect(await exited(run.child)).not.toBe(0);
    const lines = run.output().trim().split('\n').filter((l) => !/AWS SDK|^\s*$/.test(l));
    expect(lines).toEqual([expect.stringMatching(/^Invalid configuration: PORT /)]);
    expect(processesUsing(join(dataDir, 'never'))).toBe('');
  });

  it.each([
    ['OPS_TOKEN', 'short'],
    ['HOST', 'not a host'],
    ['EVENTS_RATE_LIMIT_PER_SECOND', '-1'],
  ])('refuses a bad %s (%p) with one line naming it', async (variable, value) => {
    const run = start({ [variable]: value, DATA_DIR: join(dataDir, 'never') });
    expect(await exited(run.child)).toBe(78);
    const lines = run.output().trim().split('\n').filter((l) => !/AWS SDK|^\s*$/.test(l));
    expect(lines).toEqual([expect.stringMatching(new RegExp(`^Invalid configuration: ${variable} `))]);
  });
});
