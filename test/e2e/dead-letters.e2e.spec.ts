import { randomUUID } from 'node:crypto';
import { PutRecordCommand } from '@aws-sdk/client-kinesis';
import { eventually, testKinesisClient } from '@eda/platform/testing';
import { aProduct } from '../support/mothers';
import { startTestApp, TestApp } from '../support/test-app';

/**
 * The dead-letter API through REST: records a handler cannot apply (a poison record, a malformed saga command
 * from a buggy producer) are parked after the configured attempts, listed, retried and discarded, while the
 * other keys keep flowing.
 */
describe('dead letters (REST)', () => {
  let t: TestApp;
  const kinesis = testKinesisClient();

  beforeAll(async () => {
    t = await startTestApp({ CONSUMER_MAX_ATTEMPTS: '2', CONSUMER_RETRY_BASE_MS: '20', CONSUMER_IDLE_POLL_MAX_MS: '200' });
  });
  afterAll(async () => {
    await t.close();
    kinesis.destroy();
  });

  const put = (data: string, partitionKey: string) =>
    kinesis.send(new PutRecordCommand({ StreamName: `${t.streamPrefix}inventory-commands`, PartitionKey: partitionKey, Data: Buffer.from(data) }));

  const command = (orderId: string, lines: unknown) =>
    JSON.stringify({
      specversion: '1.0', id: randomUUID(), source: 'orders', type: 'inventory.ReserveStock', subject: orderId, time: new Date().toISOString(),
      datacontenttype: 'application/json', partitionkey: orderId, correlationid: orderId, causationid: orderId, data: { orderId, lines },
    });

  it('parks a poison record and a malformed command after the attempts, keeps other keys flowing, and retries or discards them', async () => {
    const sku = await aProduct(t, 100, 5);
    const badOrder = randomUUID();
    const goodOrder = randomUUID();
    await put('this is not JSON', 'poison-key');
    await put(command(badOrder, [{ sku, quantity: -3 }]), badOrder);
    await put(command(goodOrder, [{ sku, quantity: 2 }]), goodOrder);

    await eventually('the good key is applied while the others are parked', async () => {
      expect((await t.request('GET', `/products/${sku}`)).body).toMatchObject({ onHand: 5, reserved: 2, available: 3 });
    }, 20_000, 100);
    const parked = await eventually('both bad records are parked', async () => {
      const { status, body } = await t.request('GET', '/ops/dead-letters?limit=50');
      expect(status).toBe(200);
      expect(body.items).toHaveLength(2);
      return body.items as Array<{ id: string; handler: string; partitionKey: string; error: string; attempts: number; status: string }>;
    }, 20_000, 100);

    const malformed = parked.find((d) => d.partitionKey === badOrder)!;
    const poison = parked.find((d) => d.partitionKey === 'poison-key')!;
    expect(malformed).toMatchObject({ attempts: 2, error: expect.any(String) });
    expect(malformed.handler).not.toBe(poison.handler);
    expect(poison.error).toMatch(/JSON|CloudEvent/i);

    const byHandler = await t.request('GET', `/ops/dead-letters?handler=${encodeURIComponent(malformed.handler)}`);
    expect(byHandler.body.items.map((d: { id: string }) => d.id)).toEqual([malformed.id]);

    const retried = await t.request('POST', `/ops/dead-letters/${malformed.id}/retry`);
    expect(retried.status).toBe(202);
    await eventually('the retry failed again and the message is parked with more attempts', async () => {
      const again = (await t.request('GET', '/ops/dead-letters?limit=50')).body.items.find((d: { id: string }) => d.id === malformed.id);
      expect(again.attempts).toBeGreaterThan(2);
      expect(again.status).toBe('parked');
    }, 20_000, 100);

    expect((await t.request('DELETE', `/ops/dead-letters/${poison.id}`)).status).toBe(204);
    expect((await t.request('DELETE', `/ops/dead-letters/${malformed.id}`)).status).toBe(204);
    expect((await t.request('GET', '/ops/dead-letters')).body.items).toEqual([]);
    expect((await t.request('GET', `/products/${sku}`)).body).toMatchObject({ reserved: 2 });
    // Discarded dead letters are kept for audit: discarding again is a state conflict.
    expect((await t.request('DELETE', `/ops/dead-letters/${poison.id}`)).status).toBe(409);
    expect((await t.request('POST', '/ops/dead-letters/999999/retry')).status).toBe(404);
    expect((await t.request('POST', '/ops/dead-letters/not-an-id/retry')).status).toBeLessThan(500);

    const metrics = (await t.request('GET', '/metrics')).body as string;
    expect(metrics).toMatch(/eda_consumer_dead_letters_total/);
  });
});
