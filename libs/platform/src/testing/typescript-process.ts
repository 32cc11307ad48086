import { ChildProcess, spawn, SpawnOptions } from 'node:child_process';
import { join } from 'node:path';

/**
 * Runs a TypeScript file of the sources in a plain `node` child process (a consumer worker, a relay), so a test
 * can SIGKILL it: register-swc.js compiles each .ts file in memory with the options Jest uses.
 */
export function spawnTypeScript(entry: string, options: SpawnOptions): ChildProcess {
  return spawn(process.execPath, ['-r', join(__dirname, 'register-swc.js'), entry], options);
}
