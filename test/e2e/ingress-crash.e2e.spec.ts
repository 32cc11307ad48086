import { randomUUID } from 'node:crypto';
import { ProducerKeyStore } from '@eda/platform';
import { freePort } from '@eda/platform/runtime';
import { testKinesisEndpoint, uniqueName } from '@eda/platform/testing';
import { AppProcess, useAppProcesses } from '../support/app-process';

/**
 * POST /events shares statements between concurrent requests (group commit, docs/adr/0019-ingress-fast-path.md).
 * The api process is SIGKILLed in the middle of a burst, with batches in flight: every event answered 2xx before
 * the kill must be stored, and a producer that sends everything again afterwards must end with every event
 * stored exactly once, each answer a 201 or a 200, never a 409 or a 5xx.
 */
describe('POST /events across a SIGKILL of the api in the middle of a burst', () => {
  const SOURCE = 'com.acme.crash';
  const EVENTS = 800;
  const CONNECTIONS = 32;
  const processes = useAppProcesses((db) => ({
    DATABASE_URL: db.url,
    KINESIS_ENDPOINT: testKinesisEndpoint(),
    STREAM_PREFIX: `${uniqueName('ingress-crash')}-`,
    ROLES: 'api',
    LOG_LEVEL: 'warn',
    EVENTS_RATE_LIMIT_PER_SECOND: '1000000',
  }));
  let port: string;
  beforeAll(async () => {
    port = String(await freePort());
  });

  /** Every api on the same port, as a restarted process would be. */
  const startApi = async (name: string) => {
    const api = processes.start(name, { PORT: port });
    await api.ready();
    return api;
  };

  it('stores every acknowledged event, and after the producer retries, every event exactly once', async () => {
    const first = await startApi('api-1');
    const keys = new ProducerKeyStore({ query: async (text: string, values?: unknown[]) => (await processes.sql.query(text, values)).rows });
    const { key } = await keys.issue([SOURCE], 'ingress crash test');
    const events = Array.from({ length: EVENTS }, (_, i) => ({
      specversion: '1.0',
      id: randomUUID(),
      source: SOURCE,
      type: 'com.acme.crash.Happened',
      // A few keys, so batches carry several rows of one key.
      subject: `subject-${i % 7}`,
      data: { n: i },
    }));
    const post = async (api: AppProcess, event: (typeof events)[number]) => {
      try {
        return (await api.request('POST', '/events', event, { authorization: `Bearer ${key}` })).status;
      } catch {
        return 0; // the connection died with the process
      }
    };
    /** Sends every event, CONNECTIONS at a time; answers by event index. */
    const burst = async (api: AppProcess, onAnswer?: (answered: number) => void) => {
      const statuses = new Array<number>(EVENTS);
      let next = 0;
      let answered = 0;
      await Promise.all(Array.from({ length: CONNECTIONS }, async () => {
        while (next < EVENTS) {
          const i = next++;
          statuses[i] = await post(api, events[i]);
          if (statuses[i] >= 200 && statuses[i] < 300) onAnswer?.(++answered);
        }
      }));
      return statuses;
    };

    // Killed once a quarter of the events were answered: batches are in flight then.
    let killing: Promise<void> | undefined;
    const before = await burst(first, (answered) => {
      if (answered === EVENTS / 4) killing = first.kill();
    });
    await killing;
    const acknowledged = events.filter((_, i) => before[i] === 201);
    expect(acknowledged.length).toBeGreaterThanOrEqual(EVENTS / 4);
    expect(before.filter((s) => s === 0).length).toBeGreaterThan(0);
    expect(before.every((s) => s === 201 || s === 0)).toBe(true);

    const stored = async () =>
      (await processes.sql.query<{ id: string; n: number }>(`SELECT id, (envelope->'data'->>'n')::int AS n FROM platform.event_log WHERE source = $1`, [SOURCE])).rows;
    const afterKill = new Set((await stored()).map((r) => r.id));
    for (const event of acknowledged) expect(afterKill.has(event.id)).toBe(true);

    // The producer sends everything again to a new process.
    const second = await startApi('api-2');
    const retried = await burst(second);
    expect(retried.filter((s) => s !== 201 && s !== 200)).toEqual([]);
    events.forEach((event, i) => {
      // What was stored before answers 200 (a replay); what was not is stored now.
      expect([event.id, retried[i]]).toEqual([event.id, afterKill.has(event.id) ? 200 : 201]);
    });
    const final = await stored();
    expect(final).toHaveLength(EVENTS);
    expect(new Set(final.map((r) => r.id)).size).toBe(EVENTS);
    const byId = new Map(final.map((r) => [r.id, r.n]));
    events.forEach((event) => expect(byId.get(event.id)).toBe(event.data.n));
  }, 180_000);
});
