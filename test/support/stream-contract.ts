import { logicalStreams } from '@eda/platform';
import { eventually, readStreamMessages, testKinesisClient } from '@eda/platform/testing';
import type { AsyncApiDocument } from '@eda/contracts';
import { storages } from '../../apps/api/src/contexts';
import { AsyncApiValidator, StreamRecord } from './asyncapi-validator';
import type { TestApp } from './test-app';

/** Every user record of every stream the app writes under the test app's prefix, by logical stream. */
export async function recordsOnStreams(t: TestApp): Promise<Map<string, StreamRecord[]>> {
  const kinesis = testKinesisClient();
  const byStream = new Map<string, StreamRecord[]>();
  for (const stream of logicalStreams(storages)) {
    const messages = await readStreamMessages(kinesis, `${t.streamPrefix}${stream}`);
    byStream.set(
      stream,
      messages.map((m) => ({ sequenceNumber: `${m.sequenceNumber}/${m.subSequence}`, partitionKey: m.partitionKey, event: m.event as Record<string, unknown> | undefined, poison: m.poison })),
    );
  }
  return byStream;
}

/** The AsyncAPI document the test app serves (GET /docs/asyncapi.json, docs/adr/0020-asyncapi-contract.md). */
export async function servedAsyncApiDocument(t: TestApp): Promise<AsyncApiDocument> {
  const served = await t.request('GET', '/docs/asyncapi.json');
  if (served.status !== 200) throw new Error(`GET /docs/asyncapi.json answered ${served.status}`);
  return served.body as AsyncApiDocument;
}

/**
 * Why records on the test app's streams break its AsyncAPI document, one line each: a suite that puts only the
 * app's own records on Kinesis calls it last and expects none. Without `records`, it first waits for the relay
 * to publish what is committed, then reads every stream.
 */
export async function streamContractProblems(t: TestApp, records?: Map<string, StreamRecord[]>): Promise<string[]> {
  const validator = new AsyncApiValidator(await servedAsyncApiDocument(t));
  if (!records) {
    await eventually('the relay has published everything committed', async () => expect((await t.request('GET', '/ops/relay')).body.pending).toBe(0), 30_000, 200);
  }
  const byStream = records ?? (await recordsOnStreams(t));
  return [...byStream.entries()].flatMap(([stream, rs]) => rs.map((r) => validator.problem(stream, r)).filter((p): p is string => p !== undefined));
}
