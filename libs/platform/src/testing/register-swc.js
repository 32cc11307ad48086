// Lets a plain `node` child process (a consumer worker or a relay in the multi-process tests) load the TypeScript
// sources directly: each .ts file is compiled in memory by @swc/core, with the options Jest and the build use.
const { readFileSync } = require('node:fs');
const { transformSync } = require('@swc/core');
const swcOptions = require('../../../../scripts/swc-options.cjs');

require.extensions['.ts'] = function compileTypeScript(module, filename) {
  const { code } = transformSync(readFileSync(filename, 'utf8'), { ...swcOptions, filename, sourceMaps: 'inline' });
  module._compile(code, filename);
};
