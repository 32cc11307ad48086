// `npm run bench`: runs every bench/*.bench.js (compiled) in turn; each module exports `run(): Promise<void>`
// and prints its own figures, ratios against a raw baseline on the same engine.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { printAndSave } from './results';

async function main(): Promise<void> {
  // BENCH=name,name runs only those (e.g. BENCH=order-latency).
  const only = process.env.BENCH?.split(',').map((s) => s.trim());
  const benches = readdirSync(__dirname).filter((f) => f.endsWith('.bench.js') && (!only || only.includes(f.replace(/\.bench\.js$/, '')))).sort();
  for (const file of benches) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const bench = require(join(__dirname, file)) as { run?: () => Promise<void> };
    if (typeof bench.run !== 'function') throw new Error(`${file} exports no run()`);
    console.log(`\n== ${file.replace(/\.bench\.js$/, '')}`);
    await bench.run();
  }
  // dist/bench/run.js → the repository root
  printAndSave(join(__dirname, '..', '..'));
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
