import { randomBytes } from 'node:crypto';
import { chmodSync, linkSync, mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { AppConfig } from '@eda/platform';

/** The file under DATA_DIR that keeps the generated operations token across restarts. */
export const OPS_TOKEN_FILE = 'ops-token';

const TOKEN_SHAPE = /^[A-Za-z0-9._~+/-]{32,512}=*$/;

export interface OpsToken {
  token: string;
  /** `env`: OPS_TOKEN; `file`: kept from an earlier start; `generated`: made now and kept. */
  origin: 'env' | 'file' | 'generated';
  /** Where it is kept (not for `env`). */
  file?: string;
}

/**
 * OPS_TOKEN when set; else the token kept in DATA_DIR/ops-token, made on first start (ADR 0008). That
 * holds with an external DATABASE_URL too: DATA_DIR is still this installation's folder, and a token
 * that changed on every restart would be useless. Several processes that do not share DATA_DIR must be
 * given one OPS_TOKEN.
 */
export function resolveOpsToken(config: AppConfig): OpsToken {
  if (config.OPS_TOKEN) return { token: config.OPS_TOKEN, origin: 'env' };
  const dir = resolve(config.DATA_DIR);
  const file = join(dir, OPS_TOKEN_FILE);
  mkdirSync(dir, { recursive: true });
  const kept = readKept(file);
  if (kept) return { token: kept, origin: 'file', file };

  const token = `eda_ops_${randomBytes(32).toString('base64url')}`;
  // Written whole to a private temporary file, then linked into place: a crash never leaves a half-written
  // token, and of two processes starting at once on one DATA_DIR the second finds the first's token.
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(temporary, `${token}\n`, { mode: 0o600, flag: 'wx' });
  try {
    linkSync(temporary, file);
    return { token, origin: 'generated', file };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return { token: readKept(file)!, origin: 'file', file };
  } finally {
    unlinkSync(temporary);
  }
}

function readKept(file: string): string | undefined {
  let content: string;
  try {
    content = readFileSync(file, 'utf8').trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  if (!TOKEN_SHAPE.test(content)) {
    throw new Error(`${file} does not hold an operations token; delete it to have a new one generated, or set OPS_TOKEN`);
  }
  // Someone loosened its mode (a copy, an editor): the token is a secret, only its owner reads it.
  if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  return content;
}
