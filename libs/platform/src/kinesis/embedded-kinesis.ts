import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';

export interface EmbeddedKinesisHandle {
  endpoint: string;
  stop(): Promise<void>;
}

/**
 * Starts kinesalite (a Kinesis-API engine) on a free loopback port. With `path` its streams and records
 * are kept on disk (LevelDB), so a restart finds the records the consumers' checkpoints point at.
 */
export async function startEmbeddedKinesis(options: { path?: string; port?: number } = {}): Promise<EmbeddedKinesisHandle> {
  // kinesalite ships no types; its factory returns an http.Server.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const kinesalite = require('kinesalite') as (opts: Record<string, unknown>) => Server;
  if (options.path) mkdirSync(options.path, { recursive: true });
  const server = kinesalite({
    ...(options.path ? { path: options.path } : {}),
    createStreamMs: 10,
    deleteStreamMs: 10,
    updateStreamMs: 10,
    shardLimit: 1000,
  });
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolveListen());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolveClose) => {
        server.closeAllConnections?.();
        server.close(() => resolveClose());
      }),
  };
}
