import { KinesisClient } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';

/** Where Kinesis is: a local engine at `endpoint`, or real AWS in `region` with the default credential chain. */
export interface KinesisConnection {
  endpoint?: string;
  region: string;
  /** What start-up prints: `embedded kinesalite at …`, `AWS eu-west-1`, … */
  description: string;
}

export function createKinesisClient(connection: KinesisConnection, options: { maxAttempts?: number } = {}): KinesisClient {
  return new KinesisClient({
    region: connection.region,
    maxAttempts: options.maxAttempts ?? 1,
    ...(connection.endpoint
      ? {
          endpoint: connection.endpoint,
          // Local engines accept any credentials but the SDK insists on having some.
          credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
          // kinesalite and kinesis-local speak HTTP/1.1 only (kinesis-local serves SubscribeToShard event streams over it).
          requestHandler: new NodeHttpHandler({ connectionTimeout: 2_000, requestTimeout: 10_000 }),
        }
      : {}),
  });
}
