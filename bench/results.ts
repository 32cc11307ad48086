// The figures every bench reports, each beside its goal: run.ts prints them as one table and writes
// bench/results/latest.json for machines to read.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Figure {
  bench: string;
  name: string;
  value: number;
  unit: string;
  /** `max`: the value must be ≤ goal; `min`: ≥ goal. Absent: reported without a goal. */
  goal?: { kind: 'max' | 'min'; value: number };
}

const figures: Figure[] = [];

export function report(figure: Figure): void {
  figures.push(figure);
}

export function verdict(f: Figure): 'ok' | 'MISSED' | '' {
  if (!f.goal) return '';
  return (f.goal.kind === 'max' ? f.value <= f.goal.value : f.value >= f.goal.value) ? 'ok' : 'MISSED';
}

export function printAndSave(root: string): void {
  if (figures.length === 0) return;
  const rows = figures.map((f) => [
    f.bench,
    f.name,
    `${Number.isInteger(f.value) ? f.value : f.value.toFixed(2)} ${f.unit}`,
    f.goal ? `${f.goal.kind === 'max' ? '≤' : '≥'} ${f.goal.value} ${f.unit}` : '',
    verdict(f),
  ]);
  const header = ['bench', 'figure', 'value', 'goal', 'verdict'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ');
  console.log(`\n${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}`);
  for (const r of rows) console.log(line(r));
  const dir = join(root, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const out = { at: new Date().toISOString(), node: process.version, figures: figures.map((f) => ({ ...f, verdict: verdict(f) || undefined })) };
  writeFileSync(join(dir, 'latest.json'), `${JSON.stringify(out, null, 2)}\n`);
  console.log(`\nwritten to bench/results/latest.json`);
}
