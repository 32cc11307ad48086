import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';

const root = join(__dirname, '..', '..');
const CONTEXTS = ['users', 'organizations', 'inventory', 'orders'];

function subdirectories(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).map((n) => join(dir, n)).filter((p) => statSync(p).isDirectory()) : [];
}

/**
 * docs/architecture.md §1/§4 naming: a folder application/commands/<name>/ (or queries/<name>/) holds <name>.command.ts /
 * <name>.query.ts, <name>.handler.ts and their specs, nothing else; a folder application/projections/<name>/ holds
 * <name>.projection.ts (the declaration and its pure evolve) and <name>.handler.ts (derived from it), perhaps a
 * <name>.store.ts, and their specs, nothing else, and projections/ holds nothing but such folders; so a newcomer
 * finds the same things in the same places in every context. Returns the misnamed (or missing) files under `libsDir`.
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
    const projections = join(libsDir, context, 'src', 'application', 'projections');
    if (!existsSync(projections)) continue;
    for (const entry of readdirSync(projections)) {
      if (!statSync(join(projections, entry)).isDirectory()) bad.push(relative(libsDir, join(projections, entry)));
    }
    for (const folder of subdirectories(projections)) {
      const name = basename(folder);
      const allowed = new RegExp(`^${name}\\.((projection|handler|store)(\\.(unit|int)\\.spec)?|(unit|int)\\.spec)\\.ts$`);
      const files = readdirSync(folder);
      for (const file of files) {
        if (!allowed.test(file)) bad.push(relative(libsDir, join(folder, file)));
      }
      for (const required of [`${name}.projection.ts`, `${name}.handler.ts`]) {
        if (!files.includes(required)) bad.push(`${relative(libsDir, join(folder, required))} (missing)`);
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
    expect(misnamedFiles(join(__dirname, 'fixtures', 'libs')).filter((f) => !f.includes('/projections/'))).toEqual(['orders/src/application/commands/place-order/order-placer.ts']);
  });

  it('catches a projection outside the layout: a loose file, a stray file in a projection folder, a folder without its declaration', () => {
    expect(misnamedFiles(join(__dirname, 'fixtures', 'libs')).filter((f) => f.includes('/projections/')).sort()).toEqual([
      'orders/src/application/projections/order-summaries/order-summaries.rebuilder.ts',
      'orders/src/application/projections/orders-projections.rebuilder.ts',
      'orders/src/application/projections/party-names/party-names.handler.ts (missing)',
      'orders/src/application/projections/party-names/party-names.projection.ts (missing)',
      'orders/src/application/projections/party-names/user-names.projection.ts',
    ]);
  });
});
