import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import * as ts from 'typescript';

const root = join(__dirname, '..', '..');
const CONTEXTS = ['users', 'organizations', 'inventory', 'orders'];

function subdirectories(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).map((n) => join(dir, n)).filter((p) => statSync(p).isDirectory()) : [];
}

function sourceFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((n) => {
    const path = join(dir, n);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return n.endsWith('.ts') && !n.endsWith('.spec.ts') ? [path] : [];
  });
}

/** `ReserveStock` → `reserve-stock`. */
const kebab = (name: string) => name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();

interface BusCommandHandler {
  className: string;
  stream: string;
  /** The command names it handles: `ReserveStock` for `InventoryCommandTypes.ReserveStock` or 'inventory.ReserveStock'. */
  commands: string[];
}

/** The classes of `file` decorated `@OnMessage(types, { stream: '<…>-commands' })`: the handlers of a command stream. */
function busCommandHandlersIn(file: string): BusCommandHandler[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const found: BusCommandHandler[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isClassDeclaration(node)) {
      for (const decorator of ts.getDecorators(node) ?? []) {
        const call = decorator.expression;
        if (!ts.isCallExpression(call) || !ts.isIdentifier(call.expression) || call.expression.text !== 'OnMessage') continue;
        const [types, options] = call.arguments;
        const streamProperty =
          options && ts.isObjectLiteralExpression(options)
            ? options.properties.find((p): p is ts.PropertyAssignment => ts.isPropertyAssignment(p) && p.name.getText(source) === 'stream')
            : undefined;
        const stream = streamProperty && ts.isStringLiteral(streamProperty.initializer) ? streamProperty.initializer.text : '';
        if (!stream.endsWith('-commands')) continue;
        const elements = types && ts.isArrayLiteralExpression(types) ? [...types.elements] : types ? [types] : [];
        const commands = elements.map((e) =>
          ts.isPropertyAccessExpression(e) ? e.name.text : ts.isStringLiteral(e) ? e.text.slice(e.text.lastIndexOf('.') + 1) : e.getText(source),
        );
        found.push({ className: node.name?.text ?? '(anonymous)', stream, commands });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/**
 * docs/architecture.md §1/§4 naming: a folder application/commands/<name>/ (or queries/<name>/) holds <name>.command.ts /
 * <name>.query.ts, <name>.handler.ts and their specs, nothing else; a folder application/projections/<name>/ holds
 * <name>.projection.ts (the declaration and its pure evolve) and <name>.handler.ts (derived from it), perhaps a
 * <name>.store.ts, and their specs, nothing else, and projections/ holds nothing but such folders; a handler of a
 * command that arrives on a `<context>-commands` stream (a bus command) is application/bus-commands/<name>/<name>.handler.ts,
 * class <Name>Handler, one per command, and that folder holds it and its specs only, nothing that is not such a handler;
 * so a newcomer finds the same things in the same places in every context. Returns the misnamed (or missing) files
 * under `libsDir`, a misplaced bus-command handler with the place and class name it should have.
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
  return [...bad, ...misplacedBusCommandHandlers(libsDir)];
}

/** Found by what a class handles (its `@OnMessage`), not by where it is: one filed under reactions/ is caught too. */
function misplacedBusCommandHandlers(libsDir: string): string[] {
  const bad: string[] = [];
  for (const context of CONTEXTS) {
    const src = join(libsDir, context, 'src');
    const busCommands = join(src, 'application', 'bus-commands');
    const handlerFiles = new Set<string>();
    for (const file of sourceFiles(src)) {
      const path = relative(libsDir, file);
      for (const handler of busCommandHandlersIn(file)) {
        handlerFiles.add(file);
        if (handler.commands.length !== 1) {
          bad.push(`${path} (${handler.className}: one handler per command, not ${handler.commands.join(', ')})`);
          continue;
        }
        const [command] = handler.commands;
        const place = join(busCommands, kebab(command), `${kebab(command)}.handler.ts`);
        const className = `${command}Handler`;
        if (file !== place || handler.className !== className) {
          bad.push(`${path} (${command} from ${handler.stream}: ${relative(libsDir, place)}, class ${className})`);
        }
      }
    }
    for (const entry of existsSync(busCommands) ? readdirSync(busCommands) : []) {
      if (!statSync(join(busCommands, entry)).isDirectory()) bad.push(relative(libsDir, join(busCommands, entry)));
    }
    for (const folder of subdirectories(busCommands)) {
      const name = basename(folder);
      const allowed = new RegExp(`^${name}\\.(handler(\\.(unit|int)\\.spec)?|(unit|int)\\.spec)\\.ts$`);
      const files = readdirSync(folder);
      for (const file of files) {
        if (!allowed.test(file)) bad.push(relative(libsDir, join(folder, file)));
      }
      const handler = join(folder, `${name}.handler.ts`);
      if (!files.includes(`${name}.handler.ts`)) bad.push(`${relative(libsDir, handler)} (missing)`);
      else if (!handlerFiles.has(handler)) bad.push(`${relative(libsDir, handler)} (handles no command of a -commands stream)`);
    }
  }
  return bad;
}

/**
 * docs/architecture.md §4, the layout table: where each kind of file of a context stands, by the path under
 * libs/<context>/src/. A folder of commands, queries, bus commands or projections is checked file by file above.
 */
function kindsOf(context: string): RegExp[] {
  return [
    /^index\.ts$/,
    new RegExp(`^${context}\\.(module|storage)\\.ts$`),
    /^domain\/[a-z0-9-]+\.(aggregate|rule|errors)\.ts$/,
    /^application\/(commands|queries|bus-commands|projections)\/[a-z0-9-]+\/[^/]+\.ts$/,
    /^application\/reactions\/[a-z0-9-]+-on-[a-z0-9-]+\.handler\.ts$/,
    /^application\/sagas\/([a-z0-9-]+)\/\1\.(saga|saga-runner|saga-timeouts)\.ts$/,
    /^infrastructure\/persistence\/[a-z0-9-]+\.(schema|repository)\.ts$/,
    /^infrastructure\/persistence\/[a-z0-9-]+-in-transaction\.ts$/,
    /^infrastructure\/persistence\/migrations\/\d{13}-[a-z0-9-]+\.ts$/,
    new RegExp(`^api/${context}\\.controller\\.ts$`),
    /^api\/[a-z0-9-]+\.pipe\.ts$/,
    /^api\/dto\/[a-z0-9-]+(\.response|\.query)?\.dto\.ts$/,
  ];
}

/** The files of a context (specs aside: they sit next to what they test) that are of no kind the layout names, or out of its place. */
export function filesOfNoKind(libsDir: string): string[] {
  return CONTEXTS.flatMap((context) => {
    const src = join(libsDir, context, 'src');
    const kinds = kindsOf(context);
    return sourceFiles(src)
      .map((file) => relative(src, file))
      .filter((path) => !kinds.some((kind) => kind.test(path)))
      .map((path) => `${context}/src/${path}`);
  });
}

describe('naming conventions', () => {
  it('holds for the real tree', () => {
    expect(misnamedFiles(join(root, 'libs'))).toEqual([]);
  });

  it('catches a misnamed file in a command folder', () => {
    expect(misnamedFiles(join(__dirname, 'fixtures', 'libs')).filter((f) => f.includes('/application/commands/'))).toEqual(['orders/src/application/commands/place-order/order-placer.ts']);
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

  it('finds every file of a context at the place of its kind', () => {
    expect(filesOfNoKind(join(root, 'libs'))).toEqual([]);
  });

  it('catches a file of no kind, or of a kind out of its place', () => {
    expect(filesOfNoKind(join(__dirname, 'fixtures', 'libs')).sort()).toEqual([
      'inventory/src/application/uses-app.ts',
      'inventory/src/domain/stock.ts',
      'orders/src/application/projections/orders-projections.rebuilder.ts',
      'orders/src/application/reserve-via-inventory.ts',
      'orders/src/domain/order.ts',
    ]);
  });

  it('catches a bus-command handler out of its place or name, a stray file among them, and a reaction filed as one', () => {
    expect(misnamedFiles(join(__dirname, 'fixtures', 'libs')).filter((f) => f.startsWith('inventory/')).sort()).toEqual([
      'inventory/src/application/bus-commands/release-stock/release-stock-lines.ts',
      'inventory/src/application/bus-commands/release-stock/release-stock.handler.ts (ReleaseStock from inventory-commands: inventory/src/application/bus-commands/release-stock/release-stock.handler.ts, class ReleaseStockHandler)',
      'inventory/src/application/bus-commands/restock/restock.handler.ts (handles no command of a -commands stream)',
      'inventory/src/application/bus-commands/stock-reservation.int.spec.ts',
      'inventory/src/application/reactions/reserve-stock-on-reserve-stock.handler.ts (ReserveStock from inventory-commands: inventory/src/application/bus-commands/reserve-stock/reserve-stock.handler.ts, class ReserveStockHandler)',
    ]);
  });
});
