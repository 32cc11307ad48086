import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';

const root = join(__dirname, '..', '..');
const CONTEXTS = ['users', 'organizations', 'inventory', 'orders'];

function subdirectories(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).map((n) => join(dir, n)).filter((p) => statSync(p).isDirectory()) : [];
}

/**
 * docs/architecture.md §1/§4 naming: a folder application/commands/<name>/ (or queries/<name>/) holds <name>.command.ts /
 * <name>.query.ts, <name>.handler.ts and their specs, nothing else; so a newcomer finds the same things in
 * the same places in every context. Returns the misnamed files under `libsDir`.
 */
export function misnamedFiles(libsDir: string): string[] {
  const bad: string[] = [];
  for (const context of CONTEXTS) {
    for (const kind of ['commands', 'queries'] as const) {
      const message = kind === 'commands' ? 'command' : 'query';
      for (const folder of subdirectories(join(libsDir, context, 'src', 'application', kind))) {
        const name = basename(folder);
        const allowed = new RegExp(`^${name}\\.(${message}|handler)(\\.(unit|int)\\.spec)?\\.ts$`);
        for (const file of readdirSync(folder)) {
          if (!allowed.test(file)) bad.push(relative(libsDir, join(folder, file)));
        }
      }
    }
  }
  return bad;
}

describe('naming conventions', () => {
  it('holds for the real tree', () => {
    expect(misnamedFiles(join(root, 'libs'))).toEqual([]);
  });

  it('catches a misnamed file in a command folder', () => {
    expect(misnamedFiles(join(__dirname, 'fixtures', 'libs'))).toEqual(['orders/src/application/commands/place-order/order-placer.ts']);
  });
});
