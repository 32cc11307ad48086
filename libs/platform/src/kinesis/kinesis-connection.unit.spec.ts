import { KinesisClient, ListStreamsCommand } from '@aws-sdk/client-kinesis';
import { NodeHttp2Handler, NodeHttpHandler, NodeHttpHandlerOptions } from '@smithy/node-http-handler';
import { createServer, Server, Socket } from 'node:net';
import { createKinesisClient, kinesisClientConfig } from './kinesis-connection';

/** A TCP server that accepts connections and never says a word (a half-open peer, a stalled TLS handshake). */
async function silentServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => sockets.add(socket));
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  return {
    port: (server.address() as { port: number }).port,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((closed) => server.close(closed));
    },
  };
}

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
    const server = await silentServer();
    const client = createKinesisClient({ endpoint: `http://127.0.0.1:${server.port}`, region: 'us-east-1', description: 'silent' }, { requestTimeoutMs: 300 });
    try {
      const started = Date.now();
      await expect(client.send(new ListStreamsCommand({}))).rejects.toThrow(/timeout|timed out/i);
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      client.destroy();
      await server.close();
    }
  });

  it('speaks HTTP/2 for a client that subscribes to shards on AWS (SubscribeToShard is served over HTTP/2 only), HTTP/1.1 to a local engine', async () => {
    const aws = { region: 'eu-west-1', description: 'AWS' };
    const local = { endpoint: 'http://127.0.0.1:1', region: 'us-east-1', description: 'kinesis-local' };
    expect(kinesisClientConfig(aws, { subscribes: true }).requestHandler).toBeInstanceOf(NodeHttp2Handler);
    // Every other client, and any client of a local engine (kinesis-local serves event streams over HTTP/1.1 only).
    expect(kinesisClientConfig(aws).requestHandler).toBeInstanceOf(NodeHttpHandler);
    expect(kinesisClientConfig(local, { subscribes: true }).requestHandler).toBeInstanceOf(NodeHttpHandler);
    const http2 = kinesisClientConfig(aws, { subscribes: true, maxAttempts: 3 });
    expect(http2).toMatchObject({ maxAttempts: 3, retryMode: 'standard' });
    expect(http2.endpoint).toBeUndefined();
  });

  it('bounds an HTTP/2 call whose peer never answers (the subscribing client on AWS), instead of waiting forever', async () => {
    const server = await silentServer();
    // The AWS settings, aimed at a peer that accepts the connection and then stalls the TLS handshake.
    const client = new KinesisClient({
      ...kinesisClientConfig({ region: 'eu-west-1', description: 'AWS' }, { subscribes: true, requestTimeoutMs: 300 }),
      endpoint: `https://127.0.0.1:${server.port}`,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    try {
      const started = Date.now();
      await expect(client.send(new ListStreamsCommand({}))).rejects.toThrow(/timed out|timeout|no activity/i);
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      client.destroy();
      await server.close();
    }
  });
});
