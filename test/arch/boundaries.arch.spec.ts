import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');
const fixtures = join(__dirname, 'fixtures');

interface Violation {
  rule: string;
  from: string;
  to: string;
}

interface Cruised {
  violations: Violation[];
  /** Every cruised file of the tree with the files of the tree it imports. */
  imports: Map<string, string[]>;
}

/** Runs dependency-cruiser (its CLI: the package is ESM-only) with the project's rules over `dirs`. */
function cruise(cwd: string, tsConfig: string, dirs: string[]): Cruised {
  const output = execFileSync(
    join(root, 'node_modules', '.bin', 'depcruise'),
    ['--config', join(root, '.dependency-cruiser.cjs'), '--ts-config', tsConfig, '--output-type', 'json', ...dirs],
    { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  const result = JSON.parse(output) as {
    modules: Array<{ source: string; dependencies: Array<{ resolved: string }> }>;
    summary: { violations: Array<{ rule: { name: string }; from: string; to: string }> };
  };
  return {
    violations: result.summary.violations.map((v) => ({ rule: v.rule.name, from: v.from, to: v.to })),
    imports: new Map(result.modules.map((m) => [m.source, m.dependencies.map((d) => d.resolved)])),
  };
}


/**
 * docs/architecture.md §4, imports: in every folder, its rooms (each sub-folder and each file) stand in floors, each
 * importing only rooms below it, so no two rooms import each other, directly or round a circle. Returns each circle
 * as `<folder>: <room>, <room>, …`. Tests, fixtures and files outside the tree are no rooms.
 */
function roomCircles(imports: Map<string, string[]>): string[] {
  const isRoom = (file: string) => /^(libs|apps)\//.test(file) && !/\.spec\.ts$/.test(file) && imports.has(file);
  const edges = [...imports].flatMap(([from, tos]) =>
    isRoom(from) ? tos.filter((to) => isRoom(to)).map((to) => [from, to] as const) : [],
  );
  const foldersOf = (file: string) => file.split('/').slice(0, -1).map((_, i, parts) => parts.slice(0, i + 1).join('/'));
  const folders = new Set([...imports.keys()].filter(isRoom).flatMap(foldersOf));
  const circles: string[] = [];
  for (const folder of folders) {
    const roomOf = (file: string) => {
      if (!file.startsWith(`${folder}/`)) return undefined;
      const [head, ...rest] = file.slice(folder.length + 1).split('/');
      return rest.length > 0 ? `${head}/` : head;
    };
    const next = new Map<string, Set<string>>();
    for (const [from, to] of edges) {
      const a = roomOf(from);
      const b = roomOf(to);
      if (a === undefined || b === undefined || a === b) continue;
      if (!next.has(a)) next.set(a, new Set());
      next.get(a)!.add(b);
    }
    circles.push(...stronglyConnected(next).map((rooms) => `${folder}/: ${rooms.sort().join(', ')}`));
  }
  return circles.sort();
}

/** Tarjan's algorithm: the groups of two or more nodes that reach each other. */
function stronglyConnected(next: Map<string, Set<string>>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const groups: string[][] = [];
  const visit = (node: string): void => {
    index.set(node, counter);
    low.set(node, counter++);
    stack.push(node);
    for (const to of next.get(node) ?? []) {
      if (!index.has(to)) {
        visit(to);
        low.set(node, Math.min(low.get(node)!, low.get(to)!));
      } else if (stack.includes(to)) {
        low.set(node, Math.min(low.get(node)!, index.get(to)!));
      }
    }
    if (low.get(node) !== index.get(node)) return;
    const group: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      group.push(member);
    } while (member !== node);
    if (group.length > 1) groups.push(group);
  };
  for (const node of next.keys()) if (!index.has(node)) visit(node);
  return groups;
}

describe('module boundaries (dependency-cruiser)', () => {
  let tree: Cruised;
  let broken: Cruised;

  beforeAll(() => {
    tree = cruise(root, 'tsconfig.json', ['libs', 'apps']);
    broken = cruise(fixtures, 'tsconfig.json', ['libs', 'apps']);
  });

  it('holds for the real tree: contexts meet only through contracts, domain/ imports no framework', () => {
    expect(tree.violations).toEqual([]);
  });

  it('catches every rule on the fixtures that break it', () => {
    const rules = broken.violations.map((v) => `${v.rule}: ${v.from}`);
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

  it('finds no circle of rooms in any folder of the real tree', () => {
    expect(roomCircles(tree.imports)).toEqual([]);
  });

  it('catches a circle of rooms on the fixtures', () => {
    expect(roomCircles(broken.imports)).toEqual(['libs/: contracts/, inventory/, orders/', 'libs/platform/src/: event-log/, ingress/']);
  });
});
