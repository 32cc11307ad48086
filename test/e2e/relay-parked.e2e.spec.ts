import { randomUUID } from 'node:crypto';
import { eventually, readStream, testKinesisClient } from '@eda/platform/testing';
import { startTestApp, TestApp } from '../support/test-app';

/**
 * Parked relay records through REST: an event too large for Kinesis (written straight into an event log, as a
 * producer bypassing the size check would) is parked with its key's follower; every other event flows; the
 * operator lists the key, cannot skip its head, and discards it, which releases the follower in order.
 */
describe('parked relay records (REST)', () => {
  let t: TestApp;
  const kinesis = testKinesisClient();
  const stream = 'e2e-parked';

  beforeAll(async () => {
    t = await startTestApp();
    // The event log refuses such rows up front (ADR 0011); one stored before that check existed (it is NOT
    // VALID) can still be oversize, and the relay must cope on its own: write past the check.
    await t.sql.query('ALTER TABLE platform.event_log DROP CONSTRAINT IF EXISTS event_log_publishable_size');
  });
  afterAll(async () => {
    await t.close();
    kinesis.destroy();
  });

  async function append(key: string, pad = 0): Promise<string> {
    const id = randomUUID();
    const envelope = {
      specversion: '1.0', id, source: 'platform', type: 'e2e.Padded', subject: key, time: new Date().toISOString(),
      datacontenttype: 'application/json', partitionkey: key, correlationid: id, causationid: id, data: { pad: 'p'.repeat(pad) },
    };
    await t.sql.query(
      `INSERT INTO platform.event_log (id, source, type, subject, partition_key, stream, time, envelope, content_hash)
       VALUES ($1, 'platform', 'e2e.Padded', $2, $2, $3, now(), $4::jsonb, 'h')`,
      [id, key, stream, JSON.stringify(envelope)],
    );
    return id;
  }
  const idsOnStream = async (key: string) => (await readStream(kinesis, `${t.streamPrefix}${stream}`)).filter((e) => e.partitionkey === key).map((e) => e.id);

  it('lists, refuses to skip the head, discards it, and the follower then flows; GET /ops/relay counts what is parked', async () => {
    const huge = await append('big', 1_100_000);
    const follower = await append('big');
    const other = await append('small');

    await eventually('the other key is published and the big key parked', async () => {
      expect(await idsOnStream('small')).toEqual([other]);
      expect((await t.request('GET', '/ops/relay')).body).toMatchObject({ pending: 0, parked: 2 });
    }, 30_000, 200);
    const { status, body } = await t.request('GET', `/ops/relay/parked?stream=${stream}&key=big`);
    expect(status).toBe(200);
    expect(body.items.map((r: { eventId: string; errorCode: string; status: string }) => [r.eventId, r.errorCode, r.status])).toEqual([
      [huge, 'RecordTooLarge', 'parked'],
      [follower, 'KeyParked', 'parked'],
    ]);
    expect(body.nextCursor).toBeNull();
    const [head, next] = body.items as Array<{ id: string }>;
    const page = await t.request('GET', '/ops/relay/parked?limit=1');
    expect(page.body).toMatchObject({ items: [{ id: head.id }], nextCursor: head.id });
    expect((await t.request('GET', `/ops/relay/parked?cursor=${head.id}`)).body.items.map((r: { id: string }) => r.id)).toEqual([next.id]);

    const bad = await t.request('GET', '/ops/relay/parked?status=lost&limit=0');
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body.errors).sort()).toEqual(['limit', 'status']);

    const skip = await t.request('POST', `/ops/relay/parked/${next.id}/retry`);
    expect(skip.status).toBe(409);
    expect(skip.headers['content-type']).toMatch(/application\/problem\+json/);
    expect((await t.request('DELETE', `/ops/relay/parked/${next.id}`)).status).toBe(409);
    expect((await t.request('POST', '/ops/relay/parked/999999/retry')).status).toBe(404);
    expect((await t.request('DELETE', '/ops/relay/parked/not-an-id')).status).toBe(404);

    expect((await t.request('DELETE', `/ops/relay/parked/${head.id}`)).status).toBe(204);
    await eventually('the follower is published once its head is discarded', async () => {
      expect(await idsOnStream('big')).toEqual([follower]);
      expect((await t.request('GET', '/ops/relay')).body).toMatchObject({ pending: 0, parked: 0 });
    }, 30_000, 200);
    expect((await t.request('GET', `/ops/relay/parked?key=big`)).body.items.map((r: { status: string }) => r.status)).toEqual(['discarded', 'published']);
    expect((await t.request('DELETE', `/ops/relay/parked/${head.id}`)).status).toBe(409);

    const metrics = (await t.request('GET', '/metrics')).body as string;
    expect(metrics).toMatch(/eda_relay_parked_total\{stream="e2e-parked",code="RecordTooLarge"\} 1/);
    expect(metrics).toMatch(/eda_relay_parked_records \d/);
  });
});
