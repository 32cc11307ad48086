// Compiles apps/, libs/ and bench/ to dist/ with SWC (about a second), rewriting the @eda/* path aliases
// to relative requires so the output runs with plain `node`. Type checking is `npm run typecheck`
// (part of `npm test`), kept out of `npm start` so a fresh clone boots in seconds.
import { transformFile } from '@swc/core';
import { readFileSync, readdirSync, statSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = resolve(dirname(new URL(import.meta.url).pathname), '..');
const tsconfig = JSON.parse(readFileSync(join(root, 'tsconfig.json'), 'utf8'));
const out = join(root, 'dist');
const roots = ['apps', 'libs', 'bench'];
const skip = /(\.spec\.ts|\.d\.ts)$|[\\/](fixtures|testing[\\/]fixtures)[\\/]/;

function* walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* walk(path);
    else if (path.endsWith('.ts') && !skip.test(path)) yield path;
  }
}

rmSync(out, { recursive: true, force: true });
const files = roots.flatMap((r) => { try { return [...walk(join(root, r))]; } catch { return []; } });
await Promise.all(files.map(async (file) => {
  const { code, map } = await transformFile(file, {
    sourceMaps: true,
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
      target: 'es2022',
      keepClassNames: true,
      baseUrl: root,
      paths: tsconfig.compilerOptions.paths,
    },
    module: { type: 'commonjs' },
  });
  const target = join(out, relative(root, file)).replace(/\.ts$/, '.js');
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, `${code}\n//# sourceMappingURL=${target.split(/[\\/]/).pop()}.map\n`);
  if (map) writeFileSync(`${target}.map`, map);
}));
console.log(`built ${files.length} files into dist/`);
