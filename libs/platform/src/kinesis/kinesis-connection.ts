import { KinesisClient, KinesisClientConfig } from '@aws-sdk/client-kinesis';
import { NodeHttp2Handler, NodeHttpHandler } from '@smithy/node-http-handler';

/** Where Kinesis is: a local engine at `endpoint`, or real AWS in `region` with the default credential chain. */
export interface KinesisConnection {
  endpoint?: string;
  region: string;
  /** What start-up prints: `embedded kinesalite at …`, `AWS eu-west-1`, … */
  description: string;
}

/** The injection token of this process's KinesisConnection (PlatformModule provides it from the runtime). */
export const KINESIS_CONNECTION = Symbol('KinesisConnection');

export interface KinesisClientOptions {
  /** Attempts per call, the SDK's standard retry mode (exponential backoff with jitter, retry quota). The relay keeps 1: it retries itself, per key. */
  maxAttempts?: number;
  /** Time to open a connection (HTTP/1.1; over HTTP/2 a connection that does not open counts as an idle request). */
  connectionTimeoutMs?: number;
  /**
   * Time for a whole request and its response: a call stuck on a half-open connection fails (and is retried) instead of hanging.
   * Over HTTP/2 it is the time a request may stay idle, which bounds a subscription that stops receiving events too.
   */
  requestTimeoutMs?: number;
  /**
   * The client subscribes to shards (enhanced fan-out, ADR 0015). Kinesis serves SubscribeToShard over HTTP/2 only,
   * so on AWS (no endpoint) the client speaks HTTP/2; a local engine (an endpoint) is spoken to over HTTP/1.1, the
   * only transport kinesis-local serves SubscribeToShard on.
   */
  subscribes?: boolean;
}

const DEFAULT_CONNECTION_TIMEOUT_MS = 3_000;
// A 5 MiB PutRecords or a 10 MB GetRecords page answers well within this on AWS, and a subscription receives an
// event every few seconds even when the shard is idle.
const DEFAULT_REQUEST_TIMEOUT_MS = 15_000;

/** HTTP/2 for a subscribing client on AWS; HTTP/1.1 everywhere else. */
export function usesHttp2(connection: KinesisConnection, options: KinesisClientOptions = {}): boolean {
  return options.subscribes === true && !connection.endpoint;
}

/**
 * The client's settings, the same for a local engine and real AWS: bounded connection and request times
 * (the SDK's defaults wait forever) and the standard retry mode. Only the endpoint, the credentials and, for a
 * client that subscribes to shards on AWS, the HTTP version differ.
 */
export function kinesisClientConfig(connection: KinesisConnection, options: KinesisClientOptions = {}): KinesisClientConfig {
  const requestTimeout = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  return {
    region: connection.region,
    maxAttempts: options.maxAttempts ?? 1,
    retryMode: 'standard',
    // The middleware stack resolved once per command class, not on every call: about a quarter of a millisecond of
    // CPU per call, and the relay and the readers make a call or more per message. Middleware added later than the
    // first call of a command would not run; nothing here adds any after start.
    cacheMiddleware: true,
    requestHandler: usesHttp2(connection, options)
      ? new NodeHttp2Handler({ requestTimeout })
      : new NodeHttpHandler({
          connectionTimeout: options.connectionTimeoutMs ?? DEFAULT_CONNECTION_TIMEOUT_MS,
          requestTimeout,
          throwOnRequestTimeout: true,
        }),
    ...(connection.endpoint
      ? {
          endpoint: connection.endpoint,
          // Local engines accept any credentials but the SDK insists on having some.
          credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
        }
      : {}),
  };
}

export function createKinesisClient(connection: KinesisConnection, options: KinesisClientOptions = {}): KinesisClient {
  return new KinesisClient(kinesisClientConfig(connection, options));
}
