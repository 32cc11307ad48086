// A consumer worker in its own process, for the multi-process tests (spawnTypeScript, @eda/platform/testing).
// Reads its settings from the environment, prints "ready" once started, stops gracefully on SIGTERM.
import { startTestConsumer } from './consumer-test-kit';

async function main(): Promise<void> {
  const env = process.env;
  const consumer = await startTestConsumer({
    ownerUrl: env.TEST_OWNER_URL!,
    kinesisEndpoint: env.TEST_KINESIS_ENDPOINT!,
    options: {
      consumerGroup: env.CONSUMER_GROUP!,
      workerId: env.WORKER_ID!,
      streamPrefix: env.STREAM_PREFIX!,
      ...(env.CONSUMER_MODE === 'efo' ? { mode: 'efo' as const } : {}),
      ...(env.LEASE_DURATION_MS ? { leaseDurationMs: Number(env.LEASE_DURATION_MS), leaseTickMs: Math.floor(Number(env.LEASE_DURATION_MS) / 3) } : {}),
    },
  });
  process.once('SIGTERM', () => {
    consumer.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
  process.stdout.write('ready\n');
}

main().catch((error) => {
  process.stderr.write(`worker failed: ${(error as Error).stack}\n`);
  process.exit(1);
});
