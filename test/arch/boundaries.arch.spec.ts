import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');
const fixtures = join(__dirname, 'fixtures');

interface Violation {
  rule: string;
  from: string;
  to: string;
}

/** Runs dependency-cruiser (its CLI: the package is ESM-only) with the project's rules over `dirs`. */
function cruise(cwd: string, tsConfig: string, dirs: string[]): Violation[] {
  const output = execFileSync(
    join(root, 'node_modules', '.bin', 'depcruise'),
    ['--config', join(root, '.dependency-cruiser.cjs'), '--ts-config', tsConfig, '--output-type', 'json', ...dirs],
    { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  const result = JSON.parse(output) as { summary: { violations: Array<{ rule: { name: string }; from: string; to: string }> } };
  return result.summary.violations.map((v) => ({ rule: v.rule.name, from: v.from, to: v.to }));
}

describe('module boundaries (dependency-cruiser)', () => {
  it('holds for the real tree: contexts meet only through contracts, domain/ imports no framework', () => {
    expect(cruise(root, 'tsconfig.json', ['libs', 'apps'])).toEqual([]);
  });

  it('catches every rule on the fixtures that break it', () => {
    const rules = cruise(fixtures, 'tsconfig.json', ['libs', 'apps']).map((v) => `${v.rule}: ${v.from}`);
    expect(rules.sort()).toEqual(
      [
        'context-imports-other-context: libs/orders/src/application/reserve-via-inventory.ts',
        'context-imports-other-context: libs/orders/src/application/reserve-via-inventory.ts',
        'contracts-import-nothing: libs/contracts/src/index.ts',
        'consumer-room-imports-upward: libs/platform/src/consumer/dispatch/message-dispatcher.ts',
        'event-log-imports-ingress: libs/platform/src/event-log/event-log-appender.ts',
        'domain-imports-framework: libs/orders/src/domain/order.ts',
        'library-imports-app: libs/inventory/src/application/uses-app.ts',
        'platform-knows-no-context: libs/platform/src/relay/relay.ts',
      ].sort(),
    );
  });
});
