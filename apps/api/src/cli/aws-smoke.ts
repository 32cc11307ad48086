// `npm run aws:smoke`: proves the app's Kinesis code against a real AWS account. With AWS_REGION and credentials
// (the SDK's default chain: environment, profile, SSO, instance role), it creates one stream under a fresh prefix
// `eda-smoke-<random>-`, writes through the relay's code and reads back through both consumer modes' code
// (kinesis-smoke.ts), and deletes what it made whatever happened. It costs one provisioned shard and one enhanced
// fan-out consumer for about a minute.
import { randomBytes } from 'node:crypto';
import { createKinesisClient } from '@eda/platform';
import { runKinesisSmoke } from './kinesis-smoke';

const say = (line: string) => process.stdout.write(`${line}\n`);

async function main(): Promise<number> {
  const region = process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  if (!region) {
    process.stderr.write('aws:smoke needs AWS_REGION (and credentials): it creates and deletes a stream in a real account\n');
    return 78;
  }
  if (process.env.KINESIS_ENDPOINT) {
    process.stderr.write('aws:smoke talks to real AWS: unset KINESIS_ENDPOINT\n');
    return 78;
  }
  const connection = { region, description: `AWS Kinesis in ${region}` };
  // The clients the app's processes use: HTTP/1.1 for the relay and polling, HTTP/2 for enhanced fan-out.
  const kinesis = createKinesisClient(connection, { maxAttempts: 5 });
  const subscriber = createKinesisClient(connection, { maxAttempts: 5, subscribes: true });
  try {
    try {
      await kinesis.config.credentials();
    } catch (error) {
      process.stderr.write(`aws:smoke found no AWS credentials (${(error as Error).message})\n`);
      return 78;
    }
    say(`smoke test in ${region}`);
    await runKinesisSmoke({ kinesis, subscriber, prefix: `eda-smoke-${randomBytes(4).toString('hex')}-`, kmsKeyId: process.env.STREAM_KMS_KEY_ID, say });
    return 0;
  } finally {
    kinesis.destroy();
    subscriber.destroy();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`aws:smoke failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
