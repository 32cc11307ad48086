import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { eventually, spawnTypeScript, testKinesisEndpoint } from '../testing';
import { appendEvents, expectCompleteAndOrdered, pendingRows, readStream, useRelayWorld } from '../testing/relay-test-kit';

describe('relay failover between processes', () => {
  const kit = useRelayWorld('all');

  function spawnRelay(name: string): { child: ChildProcess; output: string[] } {
    const { world } = kit;
    const output: string[] = [];
    const child = spawnTypeScript(join(__dirname, '..', 'testing', 'relay-process.ts'), {
      env: { ...process.env, RELAY_DB_URL: world.db.url, RELAY_KINESIS: testKinesisEndpoint(), STREAM_PREFIX: world.prefix, WORKER_ID: name },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    kit.cleanUp(() => child.exitCode === null && child.kill('SIGKILL'));
    return { child, output };
  }

  it('keeps one active relay, and after the active one is SIGKILLed mid-stream a standby publishes everything in order', async () => {
    const { world } = kit;
    const first = spawnRelay('first');
    await eventually('the first relay is active', () => expect(first.output.join('')).toMatch(new RegExp(`relay active \\(${world.autoMode}\\) as first`)), 30_000);
    const second = spawnRelay('second');
    const keys = Array.from({ length: 30 }, (_, i) => `f${i}`);
    const seqs = new Map<string, number>();
    const written = await appendEvents(world, 'users', { count: 1_500, keys, perTransaction: 10, firstSeq: seqs });
    expect(second.output.join('')).not.toMatch(/relay active/);
    first.child.kill('SIGKILL');
    written.push(...(await appendEvents(world, 'users', { count: 1_500, keys, perTransaction: 10, firstSeq: seqs })));
    await eventually('the standby takes over', () => expect(second.output.join('')).toMatch(new RegExp(`relay active \\(${world.autoMode}\\) as second`)), 30_000);
    await eventually('every row is published', async () => expect(await pendingRows(world)).toBe(0), 60_000, 250);
    const { duplicates } = expectCompleteAndOrdered(written, await readStream(world, 'users-events'));
    expect(duplicates).toBeLessThan(written.length);
    second.child.kill('SIGTERM');
    await eventually('the standby stops cleanly on SIGTERM', () => expect(second.child.exitCode).toBe(0), 20_000);
  });
});
