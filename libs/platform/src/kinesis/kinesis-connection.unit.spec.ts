import { ListStreamsCommand } from '@aws-sdk/client-kinesis';
import type { NodeHttpHandlerOptions } from '@smithy/node-http-handler';
import { createServer, Server, Socket } from 'node:net';
import { createKinesisClient, kinesisClientConfig } from './kinesis-connection';

describe('Kinesis client settings', () => {
  it('bounds connection and request time for real AWS as for a local engine, with the standard retry mode', async () => {
    for (const connection of [{ region: 'eu-west-1', description: 'AWS' }, { endpoint: 'http://127.0.0.1:1', region: 'us-east-1', description: 'local' }]) {
      const config = kinesisClientConfig(connection, { maxAttempts: 3 });
      expect(config).toMatchObject({ maxAttempts: 3, retryMode: 'standard' });
      // The handler resolves its settings lazily (on its first request); read them where it keeps them.
      const settings = await (config.requestHandler as unknown as { configProvider: Promise<NodeHttpHandlerOptions> }).configProvider;
      expect(settings).toMatchObject({ connectionTimeout: 3_000, requestTimeout: 15_000, throwOnRequestTimeout: true });
    }
    expect(kinesisClientConfig({ region: 'eu-west-1', description: 'AWS' }).endpoint).toBeUndefined();
  });

  it('fails a call to an endpoint that accepts the connection but never answers, instead of waiting forever', async () => {
    const sockets = new Set<Socket>();
    const server: Server = createServer((socket) => sockets.add(socket));
    await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
    const port = (server.address() as { port: number }).port;
    const client = createKinesisClient({ endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', description: 'silent' }, { requestTimeoutMs: 300 });
    try {
      const started = Date.now();
      await expect(client.send(new ListStreamsCommand({}))).rejects.toThrow(/timeout|timed out/i);
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      client.destroy();
      for (const socket of sockets) socket.destroy();
      await new Promise((closed) => server.close(closed));
    }
  });
});
