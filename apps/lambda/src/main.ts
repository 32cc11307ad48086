// First: the tracing SDK must patch http and pg before anything requires them (no-op without OTEL_* variables).
import '@eda/platform/tracing';
import 'reflect-metadata';
import type { Context, KinesisStreamBatchResponse } from 'aws-lambda';
import type { INestApplicationContext } from '@nestjs/common';
import { Logger as NestLogger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import {
  AppConfig,
  DatabaseTopology,
  KinesisEventConsumer,
  loadConfig,
  NotAKinesisEventError,
  PlatformRuntime,
  provisionDatabase,
} from '@eda/platform';
import { storages } from '../../api/src/contexts';
import { LambdaModule } from './lambda.module';

/**
 * Stop retrying a failing handler (and report the rest as batchItemFailures) once less than this is left of
 * the invocation: a retry's backoff (up to 10 s) and one more handler transaction must fit before the timeout.
 */
export const STOP_MARGIN_MS = 15_000;

/** The Lambda's configuration: the app's, with no process role and a database it must be given. */
export function lambdaConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const config = loadConfig(env);
  if (!config.DATABASE_URL) throw new Error('DATABASE_URL is required in Lambda (there is no embedded PostgreSQL)');
  // No HTTP server, relay, polling worker, wake-up channel or saga deadlines: the event source mapping is the consumer.
  config.ROLES = [];
  return config;
}

/** Boots the Nest application context (no HTTP server): the schemas are provisioned, as every process of the app does. */
export async function bootLambda(config: AppConfig): Promise<INestApplicationContext> {
  const topology = new DatabaseTopology(config.DATABASE_URL!, { roleSecret: config.DATABASE_ROLE_SECRET, rolePrefix: config.DATABASE_ROLE_PREFIX });
  await provisionDatabase(topology, storages);
  const kinesis = config.KINESIS_ENDPOINT
    ? { endpoint: config.KINESIS_ENDPOINT, region: config.AWS_REGION ?? 'us-east-1', description: `Kinesis API at ${config.KINESIS_ENDPOINT}` }
    : { region: config.AWS_REGION ?? 'us-east-1', description: `AWS Kinesis in ${config.AWS_REGION}` };
  const url = new URL(config.DATABASE_URL!);
  const runtime = new PlatformRuntime(config, topology, kinesis, storages, `PostgreSQL at ${url.hostname}:${url.port || 5432}${url.pathname}`);
  const app = await NestFactory.createApplicationContext(LambdaModule.forRoot(runtime), { bufferLogs: true });
  app.useLogger(app.get(Logger));
  return app;
}

export type KinesisHandler = (event: unknown, context?: Pick<Context, 'getRemainingTimeInMillis' | 'awsRequestId'>) => Promise<KinesisStreamBatchResponse>;

/**
 * A Lambda handler for the Kinesis event source mapping (FunctionResponseTypes: ReportBatchItemFailures).
 * The application context boots on the first invocation and is kept for the container's life (a failed boot
 * is tried again on the next one). An event it cannot read is refused with a log line and an error, so Lambda
 * retries it and nothing is dropped unseen; an infrastructure fault (the database is down) also fails the
 * invocation, and Lambda delivers the batch again (the inbox absorbs what was applied).
 */
export function createKinesisHandler(boot: () => Promise<INestApplicationContext>, stopMarginMs = STOP_MARGIN_MS): KinesisHandler & { app(): Promise<INestApplicationContext> } {
  let booting: Promise<INestApplicationContext> | null = null;
  const app = () => {
    booting ??= boot().catch((error: unknown) => {
      booting = null;
      throw error;
    });
    return booting;
  };
  const logger = new NestLogger('LambdaHandler');
  const handler = async (event: unknown, context?: Pick<Context, 'getRemainingTimeInMillis' | 'awsRequestId'>) => {
    const consumer = (await app()).get(KinesisEventConsumer);
    const isStopping = () => (context ? context.getRemainingTimeInMillis() < stopMarginMs : false);
    try {
      return await consumer.consume(event, isStopping);
    } catch (error) {
      const invocation = `invocation ${context?.awsRequestId ?? '(no request id)'}`;
      if (error instanceof NotAKinesisEventError) logger.error(`Refused ${invocation}, not a Kinesis stream event of this app: ${error.message}`);
      else logger.error(`Failed ${invocation}; Lambda delivers the batch again: ${(error as Error).message}`);
      throw error;
    }
  };
  return Object.assign(handler, { app });
}

/** The Lambda entry point: `dist/apps/lambda/src/main.handler` in the zip that `npm run build:lambda` makes. */
export const handler = createKinesisHandler(() => bootLambda(lambdaConfig()));
