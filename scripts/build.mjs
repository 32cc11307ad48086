// Compiles apps/, libs/ and bench/ to dist/ with SWC (about a second), rewriting the @eda/* path aliases
// to relative requires so the output runs with plain `node`. Type checking is `npm run typecheck`
// (part of `npm test`), kept out of `npm start` so a fresh clone boots in seconds.
import { transformFile } from '@swc/core';
import { copyFileSync, readFileSync, readdirSync, statSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import swcOptions from './swc-options.cjs';

const root = resolve(dirname(new URL(import.meta.url).pathname), '..');
const tsconfig = JSON.parse(readFileSync(join(root, 'tsconfig.json'), 'utf8'));
const out = join(root, 'dist');
const roots = ['apps', 'libs', 'bench'];
const skip = /(\.spec\.ts|\.d\.ts)$|[\\/](fixtures|testing[\\/]fixtures)[\\/]/;

function* walk(dir, keep = (path) => path.endsWith('.ts') && !skip.test(path)) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* walk(path, keep);
    else if (keep(path)) yield path;
  }
}

rmSync(out, { recursive: true, force: true });
const files = roots.flatMap((r) => { try { return [...walk(join(root, r))]; } catch { return []; } });
await Promise.all(files.map(async (file) => {
  const { code, map } = await transformFile(file, {
    ...swcOptions,
    sourceMaps: true,
    jsc: { ...swcOptions.jsc, baseUrl: root, paths: tsconfig.compilerOptions.paths },
  });
  const target = join(out, relative(root, file)).replace(/\.ts$/, '.js');
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, `${code}\n//# sourceMappingURL=${target.split(/[\\/]/).pop()}.map\n`);
  if (map) writeFileSync(`${target}.map`, map);
}));
// Static files served as they are (the operations console's shell): every file under an `assets` folder.
const assets = roots.flatMap((r) => { try { return [...walk(join(root, r), (path) => /[\\/]assets[\\/]/.test(path))]; } catch { return []; } });
for (const file of assets) {
  const target = join(out, relative(root, file));
  mkdirSync(dirname(target), { recursive: true });
  copyFileSync(file, target);
}
console.log(`built ${files.length} files and copied ${assets.length} assets into dist/`);
