// Module boundaries of the modular monolith (DESIGN §4), checked by test/arch/boundaries.arch.spec.ts.
// Paths are relative to the cruised base directory, so the same rules run on the real tree and on the fixtures.
const contexts = '(users|organizations|inventory|orders)';
/** The consumer's rooms, lowest first: each may import only rooms listed before it (docs/architecture.md §1). */
const consumerFloors = [['handlers', 'leases'], ['dead-letters'], ['dispatch'], ['reading'], ['backfill']];
const framework = '(@nestjs|typeorm|pg|@aws-sdk|@smithy|class-validator|class-transformer|fastify|nestjs-pino|prom-client|rxjs)';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'context-imports-other-context',
      comment: 'A bounded context reaches another only through libs/contracts (and events on the bus).',
      severity: 'error',
      from: { path: `^libs/${contexts}/` },
      to: { path: `^libs/${contexts}/`, pathNot: '^libs/$1/' },
    },
    {
      name: 'domain-imports-framework',
      comment: 'domain/ is plain TypeScript: no framework, no persistence, no platform beyond its ddd building blocks.',
      severity: 'error',
      from: { path: '^libs/[^/]+/src/domain/' },
      to: {
        pathNot: ['^libs/[^/]+/src/domain/', '^libs/platform/src/ddd/', '^libs/contracts/'],
        dependencyTypesNot: ['type-only'],
        path: [`(^|/)node_modules/${framework}(/|$)`, '^libs/', '^apps/'],
      },
    },
    {
      name: 'contracts-import-nothing',
      comment: 'Contracts are wire types shared by every context; they depend on nothing.',
      severity: 'error',
      from: { path: '^libs/contracts/' },
      to: { pathNot: '^libs/contracts/' },
    },
    {
      name: 'platform-knows-no-context',
      comment: 'The platform library has no domain words: it never imports a bounded context.',
      severity: 'error',
      from: { path: '^libs/platform/' },
      to: { path: `^libs/${contexts}/` },
    },
    {
      name: 'library-imports-app',
      comment: 'Libraries never depend on the application that assembles them.',
      severity: 'error',
      from: { path: '^libs/' },
      to: { path: '^apps/' },
    },
    // One rule per floor: nothing on it imports a room on a higher floor.
    ...consumerFloors.slice(0, -1).map((floor, i) => ({
      name: 'consumer-room-imports-upward',
      comment: `consumer/${floor.join(', consumer/')} must not import a consumer room above it.`,
      severity: 'error',
      from: { path: `^libs/platform/src/consumer/(${floor.join('|')})/` },
      to: { path: `^libs/platform/src/consumer/(${consumerFloors.slice(i + 1).flat().join('|')})/` },
    })),
    {
      name: 'consumer-room-imports-upward',
      comment: 'consumer/handlers and consumer/leases stand side by side on the ground floor: neither imports the other.',
      severity: 'error',
      from: { path: '^libs/platform/src/consumer/(handlers|leases)/' },
      to: { path: '^libs/platform/src/consumer/(handlers|leases)/', pathNot: '^libs/platform/src/consumer/$1/' },
    },
    {
      name: 'event-log-imports-ingress',
      comment: 'event-log/ (the outbox every context appends to, and its read side) sits below ingress/ (POST and GET /events, producer keys): ingress may import it, never the reverse.',
      severity: 'error',
      from: { path: '^libs/platform/src/event-log/' },
      to: { path: '^libs/platform/src/ingress/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(dist|coverage)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
