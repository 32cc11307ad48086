import { chmodSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@eda/platform';
import { resolveOpsToken } from './ops-token';

describe('resolveOpsToken (DATA_DIR/ops-token)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'eda-ops-token-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('generates a random token once, readable by its owner only, and finds it again', () => {
    const config = loadConfig({ DATA_DIR: join(dir, 'data') });
    const first = resolveOpsToken(config);
    expect(first).toMatchObject({ origin: 'generated', file: join(dir, 'data', 'ops-token') });
    expect(first.token).toMatch(/^eda_ops_[A-Za-z0-9_-]{43}$/);
    expect(statSync(first.file!).mode & 0o777).toBe(0o600);
    expect(resolveOpsToken(config)).toEqual({ token: first.token, origin: 'file', file: first.file });
    expect(readdirSync(join(dir, 'data'))).toEqual(['ops-token']); // no temporary file left behind
    expect(resolveOpsToken(loadConfig({ DATA_DIR: join(dir, 'other') })).token).not.toBe(first.token);
  });

  it('prefers OPS_TOKEN and then writes nothing', () => {
    const token = 'z'.repeat(40);
    expect(resolveOpsToken(loadConfig({ DATA_DIR: dir, OPS_TOKEN: token }))).toEqual({ token, origin: 'env' });
    expect(readdirSync(dir)).toEqual([]);
  });

  it('tightens a kept token file someone made readable to others', () => {
    const file = join(dir, 'ops-token');
    writeFileSync(file, `${'k'.repeat(40)}\n`, { mode: 0o644 });
    chmodSync(file, 0o644);
    expect(resolveOpsToken(loadConfig({ DATA_DIR: dir })).token).toBe('k'.repeat(40));
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('stops with a clear message when the file holds no token, and leaves it as it was', () => {
    const file = join(dir, 'ops-token');
    writeFileSync(file, '', { mode: 0o600 });
    expect(() => resolveOpsToken(loadConfig({ DATA_DIR: dir }))).toThrow(/ops-token does not hold an operations token; delete it/);
    expect(readFileSync(file, 'utf8')).toBe('');
  });
});
