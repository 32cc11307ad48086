import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { createTestDatabase, eventually, type TestDatabase } from '@eda/platform/testing';
import { TEST_OPS_TOKEN, withOpsToken } from './ops-token';

const root = join(__dirname, '..', '..');

/**
 * Compiles the app as `npm start` does (scripts/build.mjs, SWC), but into a private directory: build.mjs
 * wipes and rewrites its root's dist/, and other test files build the shared one while our children are
 * still loading modules from it. The copy of the script sees the sources and node_modules through
 * symlinks, so its dist/ resolves packages as the real one does. Returns the entry point and a clean-up.
 */
export function buildApp(): { main: string; remove(): void } {
  const privateRoot = mkdtempSync(join(tmpdir(), 'eda-build-'));
  mkdirSync(join(privateRoot, 'scripts'));
  for (const script of ['build.mjs', 'swc-options.cjs']) copyFileSync(join(root, 'scripts', script), join(privateRoot, 'scripts', script));
  for (const entry of ['apps', 'libs', 'bench', 'tsconfig.json', 'node_modules']) {
    if (existsSync(join(root, entry))) symlinkSync(join(root, entry), join(privateRoot, entry));
  }
  execFileSync(process.execPath, [join(privateRoot, 'scripts', 'build.mjs')], { cwd: privateRoot, stdio: 'ignore' });
  return { main: join(privateRoot, 'dist', 'apps', 'api', 'src', 'main.js'), remove: () => rmSync(privateRoot, { recursive: true, force: true }) };
}

export interface JsonResponse {
  status: number;
  body: any;
}

/**
 * One `node dist/apps/api/src/main.js` child (from buildApp()'s private dist), as an operator runs it: only the environment given, never
 * the Jest run's own DATABASE_URL / KINESIS_ENDPOINT / TEST_* variables (a child must get the test
 * database's URL, not the server's).
 */
export class AppProcess {
  readonly child: ChildProcess;
  readonly base: string;
  private output = '';

  constructor(readonly name: string, main: string, readonly env: Record<string, string>) {
    env = { OPS_TOKEN: TEST_OPS_TOKEN, ...env };
    this.env = env;
    const inherited = Object.fromEntries(
      Object.entries(process.env).filter(([k]) => !/^(DATABASE_URL|KINESIS_ENDPOINT|AWS_REGION|STREAM_PREFIX|ROLES|WORKER_ID|PORT|TEST_|JEST_)/.test(k)),
    );
    this.child = spawn(process.execPath, [main], { cwd: root, env: { ...inherited, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.on('data', (d) => (this.output += d));
    this.child.stderr!.on('data', (d) => (this.output += d));
    this.base = `http://127.0.0.1:${env.PORT}`;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The last lines the process printed, for failure messages. */
  tail(lines = 40): string {
    return `--- ${this.name} (pid ${this.child.pid}) ---\n${this.output.split('\n').slice(-lines).join('\n')}`;
  }

  /** Resolves once the process prints its ready line; fails at once if it exits first. */
  async ready(timeoutMs = 60_000): Promise<void> {
    const exitedEarly = new Promise<never>((_, reject) =>
      this.child.once('exit', (code, signal) => reject(new Error(`${this.name} exited (${signal ?? code}) before it was ready:\n${this.tail()}`))),
    );
    const printedReady = eventually(`${this.name} is ready`, () => expect(this.output).toMatch(/ready in \d+ ms/), timeoutMs, 100).catch((error: Error) => {
      throw new Error(`${error.message}\n${this.tail()}`);
    });
    await Promise.race([printedReady, exitedEarly]);
  }

  /** SIGKILL: no shutdown hook runs, connections drop wherever the process was. */
  async kill(): Promise<void> {
    if (!this.alive) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGKILL');
    await exited;
  }

  /** A request over HTTP; adds the ops token where needed, as TestApp.request does (see withOpsToken). */
  async request(method: string, path: string, body?: unknown, given: Record<string, string> = {}): Promise<JsonResponse> {
    const headers = withOpsToken(method, path, given, this.env.OPS_TOKEN);
    const res = await fetch(`${this.base}${path}`, {
      method,
      headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const type = res.headers.get('content-type') ?? '';
    return { status: res.status, body: type.includes('json') ? await res.json() : await res.text() };
  }
}

/** Processes of the built app on a test database of their own (useAppProcesses). */
export interface AppProcesses {
  readonly db: TestDatabase;
  /** A connection to the test database, for what the spec checks there. */
  readonly sql: Client;
  /** Every process started so far, oldest first (their output for failure messages). */
  readonly started: readonly AppProcess[];
  /** Starts a process with the shared environment plus `env` (its WORKER_ID is `name`); killed after the file's tests. */
  start(name: string, env?: Record<string, string>): AppProcess;
}

/**
 * The set-up of specs that start and SIGKILL real processes: the app built once (buildApp), a test database, and
 * `env(db)` given to every process started through `start`. After the file's tests every process is killed, then
 * the database dropped and the build removed.
 */
export function useAppProcesses(env: (db: TestDatabase) => Record<string, string>): AppProcesses {
  let build: ReturnType<typeof buildApp> | undefined;
  let db: TestDatabase | undefined;
  let sql: Client | undefined;
  let shared: Record<string, string> = {};
  const started: AppProcess[] = [];
  beforeAll(async () => {
    build = buildApp();
    db = await createTestDatabase();
    sql = new Client({ connectionString: db.url });
    await sql.connect();
    shared = env(db);
  }, 60_000);
  afterAll(async () => {
    await Promise.all(started.map((p) => p.kill()));
    await sql?.end();
    await db?.drop();
    build?.remove();
  });
  return {
    get db() {
      return db!;
    },
    get sql() {
      return sql!;
    },
    started,
    start(name, own = {}) {
      const child = new AppProcess(name, build!.main, { ...shared, WORKER_ID: name, ...own });
      started.push(child);
      return child;
    },
  };
}
