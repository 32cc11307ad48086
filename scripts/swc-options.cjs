// How SWC compiles the TypeScript sources, wherever it does: the build (scripts/build.mjs), Jest (jest.config.js) and
// the child processes of the multi-process tests (libs/platform/src/testing/register-swc.js). One set of options, so
// what the tests run is compiled as what ships: legacy decorators with their metadata (Nest's injection reads it),
// class fields left to the constructors, class names kept (Nest and the handler catalog name things by them).
module.exports = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
    target: 'es2022',
    keepClassNames: true,
  },
  module: { type: 'commonjs' },
};
