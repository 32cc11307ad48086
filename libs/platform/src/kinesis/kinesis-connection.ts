import { KinesisClient, KinesisClientConfig } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';

/** Where Kinesis is: a local engine at `endpoint`, or real AWS in `region` with the default credential chain. */
export interface KinesisConnection {
  endpoint?: string;
  region: string;
  /** What start-up prints: `embedded kinesalite at …`, `AWS eu-west-1`, … */
  description: string;
}

export interface KinesisClientOptions {
  /** Attempts per call, the SDK's standard retry mode (exponential backoff with jitter, retry quota). The relay keeps 1: it retries itself, per key. */
  maxAttempts?: number;
  /** Time to open a connection. */
  connectionTimeoutMs?: number;
  /** Time for a whole request and its response: a call stuck on a half-open connection fails (and is retried) instead of hanging. */
  requestTimeoutMs?: number;
}

/**
 * The client's settings, the same for a local engine and real AWS: bounded connection and request times
 * (the SDK's defaults wait forever) and the standard retry mode. Only the endpoint and credentials differ.
 */
export function kinesisClientConfig(connection: KinesisConnection, options: KinesisClientOptions = {}): KinesisClientConfig {
  return {
    region: connection.region,
    maxAttempts: options.maxAttempts ?? 1,
    retryMode: 'standard',
    requestHandler: new NodeHttpHandler({
      connectionTimeout: options.connectionTimeoutMs ?? 3_000,
      // A 5 MiB PutRecords or a 10 MB GetRecords page answers well within this on AWS.
      requestTimeout: options.requestTimeoutMs ?? 15_000,
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
