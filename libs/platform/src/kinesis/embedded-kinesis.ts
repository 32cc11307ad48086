import { mkdirSync } from 'node:fs';
import { Worker } from 'node:worker_threads';

export interface EmbeddedKinesisHandle {
  endpoint: string;
  stop(): Promise<void>;
}

/**
 * What runs in the engine's thread: kinesalite on a loopback port, told its port back, closed on 'stop'.
 * Plain JavaScript (it is evaluated, not compiled), so it runs the same under ts-node, Jest and the build.
 */
const ENGINE_THREAD = `
const { parentPort, workerData } = require('node:worker_threads');
const kinesalite = require(workerData.module);
const server = kinesalite(workerData.options);
server.once('error', (error) => parentPort.postMessage({ error: error.message }));
server.listen(workerData.port, '127.0.0.1', () => parentPort.postMessage({ port: server.address().port }));
parentPort.on('message', (message) => {
  if (message !== 'stop') return;
  if (server.closeAllConnections) server.closeAllConnections();
  server.close(() => parentPort.close());
});
`;

/**
 * Starts kinesalite (a Kinesis-API engine) on a free loopback port. With `path` its streams and records
 * are kept on disk (LevelDB), so a restart finds the records the consumers' checkpoints point at.
 *
 * It runs in a worker thread of its own: it stands in for a remote service, and on the app's event loop its
 * work (serving every GetRecords and PutRecords, JSON, big-number sequence arithmetic) would queue behind the
 * API, the relay and the consumers and they behind it, which no deployment against Kinesis has. In its
 * thread it uses the other core.
 */
export async function startEmbeddedKinesis(options: { path?: string; port?: number } = {}): Promise<EmbeddedKinesisHandle> {
  if (options.path) mkdirSync(options.path, { recursive: true });
  const worker = new Worker(ENGINE_THREAD, {
    eval: true,
    workerData: {
      module: require.resolve('kinesalite'),
      port: options.port ?? 0,
      options: {
        ...(options.path ? { path: options.path } : {}),
        createStreamMs: 10,
        deleteStreamMs: 10,
        updateStreamMs: 10,
        shardLimit: 1000,
      },
    },
  });
  const exited = new Promise<void>((resolveExit) => worker.once('exit', () => resolveExit()));
  try {
    const port = await new Promise<number>((resolvePort, reject) => {
      worker.once('message', (message: { port?: number; error?: string }) =>
        message.port ? resolvePort(message.port) : reject(new Error(`kinesalite did not start: ${message.error}`)));
      worker.once('error', reject);
      void exited.then(() => reject(new Error('kinesalite stopped before it listened')));
    });
    return {
      endpoint: `http://127.0.0.1:${port}`,
      stop: async () => {
        worker.postMessage('stop');
        // A thread that does not close in time is ended: the engine holds nothing a stop must keep.
        const ended = await Promise.race([exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 5_000).unref())]);
        if (!ended) await worker.terminate();
      },
    };
  } catch (error) {
    await worker.terminate();
    throw error;
  }
}
