import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@eda/platform';
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
    Object.entries(process.env).filter(([k]) => !/^(DATABASE_URL|KINESIS_ENDPOINT|AWS_REGION|TEST_|JEST_)/.test(k)),
  );
  const child = spawn(process.execPath, [main], { cwd: root, env: { ...clean, LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  return { child, output: () => output };
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code))));
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
    expect(first.output()).toMatch(/Docs .*\/docs/);
    expect(first.output()).toMatch(/Metrics .*\/metrics/);
    expect(first.output()).toMatch(/Database embedded PostgreSQL/);
    expect(first.output()).toMatch(/Kinesis  embedded kinesalite/);

    const base = `http://127.0.0.1:${port}`;
    expect((await fetch(`${base}/docs`)).status).toBe(200);
    const created = await fetch(`${base}/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'grace@example.com', username: 'grace', firstName: 'Grace', lastName: 'Hopper' }),
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };

    first.child.kill('SIGINT');
    expect(await exited(first.child)).toBe(0);
    await eventually('no process uses the data directory', () => expect(processesUsing(dataDir)).toBe(''), 10_000);

    const second = start({ PORT: String(port), DATA_DIR: dataDir });
    try {
      await eventually('the restarted app is ready', () => expect(second.output()).toMatch(/ready in \d+ ms/), 60_000, 100);
      const again = await fetch(`${base}/users/${id}`);
      expect(again.status).toBe(200);
      expect(await again.json()).toMatchObject({ username: 'grace' });
    } finally {
      second.child.kill('SIGTERM');
      expect(await exited(second.child)).toBe(0);
    }
    await eventually('no process uses the data directory', () => expect(processesUsing(dataDir)).toBe(''), 10_000);
  });

  it('refuses a bad variable with one line naming it, and starts nothing', async () => {
    const run = start({ PORT: 'eighty', DATA_DIR: join(dataDir, 'never') });
    expect(await exited(run.child)).not.toBe(0);
    const lines = run.output().trim().split('\n').filter((l) => !/AWS SDK|^\s*$/.test(l));
    expect(lines).toEqual([expect.stringMatching(/^Invalid configuration: PORT /)]);
    expect(processesUsing(join(dataDir, 'never'))).toBe('');
  });
});
