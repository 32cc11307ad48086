import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { MAX_EVENT_BYTES, ProducerKeyStore } from '@eda/platform';
import { eventually, readStream, testKinesisClient, testServerUrl } from '@eda/platform/testing';
import { aUser } from '../support/mothers';
import { streamContractProblems } from '../support/stream-contract';
import { startTestApp, TestApp } from '../support/test-app';

describe('event bus (REST)', () => {
  let t: TestApp;
  let keys: ProducerKeyStore;
  let key: string;
  let source: string;
  let sql: Client;

  beforeAll(async () => {
    t = await startTestApp();
    keys = t.app.get(ProducerKeyStore);
    source = `acme-${randomUUID().slice(0, 8)}`;
    key = (await keys.issue([source, `${source}.partner`], 'e2e')).key;
    sql = new Client({ connectionString: t.db.url });
    await sql.connect();
  });
  afterAll(async () => {
    await sql?.end();
    await t?.close();
  });

  const event = (overrides: Record<string, unknown> = {}) => ({
    specversion: '1.0',
    id: randomUUID(),
    source,
    type: 'com.acme.InvoicePaid',
    subject: `invoice-${randomUUID().slice(0, 8)}`,
    data: { amountCents: 1200 },
    ...overrides,
  });
  const post = (body: unknown, headers: Record<string, string> = {}) =>
    t.request('POST', '/events', body, { authorization: `Bearer ${key}`, ...headers });
  const stored = async (eventSource: string, id: string) =>
    (await sql.query('SELECT stream, partition_key, envelope FROM platform.event_log WHERE source = $1 AND id = $2', [eventSource, id])).rows;
  const countPlatformEvents = async () => (await sql.query('SELECT count(*)::int AS n FROM platform.event_log')).rows[0].n as number;

  describe('POST /events', () => {
    it('commits the event (201 {id}) to platform-events, partitioned by subject, with correlation and trace filled in', async () => {
      const input = event();
      const res = await post(input);
      expect(res.status).toBe(201);
      expect(res.body).toEqual({ id: input.id });
      const [row] = await stored(source, input.id);
      expect(row.stream).toBe('platform-events');
      expect(row.partition_key).toBe(input.subject);
      expect(row.envelope).toMatchObject({
        ...input,
        datacontenttype: 'application/json',
        partitionkey: input.subject,
        correlationid: expect.stringMatching(/\S/),
        causationid: input.id,
        time: expect.any(String),
      });
      expect(row.envelope.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
      expect(row.envelope.correlationid).not.toBe(input.id);
    });

    it('keeps partitionkey, correlationid, causationid, traceparent and time given by the producer', async () => {
      const given = {
        partitionkey: 'tenant-7',
        correlationid: 'corr-1',
        causationid: 'cause-1',
        traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
        time: '2016-12-31t23:59:60.000z',
      };
      const input = event(given);
      expect((await post(input)).status).toBe(201);
      const [row] = await stored(source, input.id);
      expect(row.partition_key).toBe('tenant-7');
      expect(row.envelope).toMatchObject(given);
    });

    it('partitions by id when there is neither partitionkey nor subject', async () => {
      const input = event({ subject: undefined });
      expect((await post(input)).status).toBe(201);
      expect((await stored(source, input.id))[0].partition_key).toBe(input.id);
    });

    it('accepts application/cloudevents+json', async () => {
      const input = event();
      const res = await post(JSON.stringify(input), { 'content-type': 'application/cloudevents+json; charset=utf-8' });
      expect(res.status).toBe(201);
      expect(await stored(source, input.id)).toHaveLength(1);
    });

    it('answers a replay of the same event 200 with the same id, and another body under the same source+id 409', async () => {
      const input = event();
      expect((await post(input)).status).toBe(201);
      const reordered = Object.fromEntries(Object.entries(input).reverse());
      const replay = await post(reordered, { 'x-request-id': 'another-request' });
      expect(replay.status).toBe(200);
      expect(replay.body).toEqual({ id: input.id });
      const conflict = await post({ ...input, data: { amountCents: 9999 } });
      expect(conflict.status).toBe(409);
      expect(conflict.headers['content-type']).toContain('application/problem+json');
      expect(conflict.body).toMatchObject({ status: 409, code: 'EVENT_LOG.DUPLICATE_EVENT_CONFLICT' });
      const rows = await stored(source, input.id);
      expect(rows).toHaveLength(1);
      expect(rows[0].envelope.data).toEqual({ amountCents: 1200 });
    });

    it('treats the same id under two sources as two events', async () => {
      const input = event();
      expect((await post(input)).status).toBe(201);
      expect((await post({ ...input, source: `${source}.partner` })).status).toBe(201);
    });

    it('lets exactly one of many concurrent identical POSTs create the event; the others answer 200', async () => {
      const input = event();
      const answers = await Promise.all(Array.from({ length: 12 }, () => post(input)));
      expect(answers.map((a) => a.status).sort()).toEqual([...Array(11).fill(200), 201]);
      expect(answers.every((a) => a.body.id === input.id)).toBe(true);
      expect(await stored(source, input.id)).toHaveLength(1);
    });

    it('lets exactly one of concurrent different bodies under one source+id win; the others answer 409', async () => {
      const input = event();
      const answers = await Promise.all(Array.from({ length: 6 }, (_, i) => post({ ...input, data: { n: i } })));
      expect(answers.map((a) => a.status).sort()).toEqual([201, 409, 409, 409, 409, 409]);
    });

    it.each([
      ['no Authorization header', undefined],
      ['an unknown key', `Bearer eda_pk_${'A'.repeat(43)}`],
      ['a malformed key', 'Bearer nope'],
      ['another scheme', 'Basic dXNlcjpwYXNz'],
    ])('answers 401 with %s and records nothing', async (_what, authorization) => {
      const before = await countPlatformEvents();
      const headers: Record<string, string> = authorization ? { authorization } : {};
      const res = await t.request('POST', '/events', event(), headers);
      expect(res.status).toBe(401);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.headers['www-authenticate']).toContain('Bearer');
      expect(await countPlatformEvents()).toBe(before);
    });

    it('answers 401 once the key is revoked', async () => {
      const issued = await keys.issue([source]);
      const auth = { authorization: `Bearer ${issued.key}` };
      expect((await t.request('POST', '/events', event(), auth)).status).toBe(201);
      expect(await keys.revoke(issued.id)).toBe(true);
      expect((await t.request('POST', '/events', event(), auth)).status).toBe(401);
    });

    it('answers 403 for a source the key was not issued for', async () => {
      const res = await post(event({ source: 'someone-else' }));
      expect(res.status).toBe(403);
      expect(res.body).toMatchObject({ status: 403, code: 'EVENT_LOG.SOURCE_FORBIDDEN' });
    });

    it('never lets a producer key claim a source of the app\'s own contexts', async () => {
      await expect(keys.issue(['users'])).rejects.toThrow(/own contexts/);
      await expect(keys.issue(['Orders'])).rejects.toThrow(/own contexts/);
      // Even a key whose row was edited to list one is refused at POST.
      const issued = await keys.issue([source]);
      await sql.query(`UPDATE platform.producer_keys SET allowed_sources = ARRAY['users', $2] WHERE id = $1`, [issued.id, source]);
      const before = (await sql.query('SELECT count(*)::int AS n FROM users.event_log')).rows[0].n;
      const res = await t.request('POST', '/events', event({ source: 'users', type: 'users.UserRegistered' }), { authorization: `Bearer ${issued.key}` });
      expect(res.status).toBe(403);
      expect((await sql.query('SELECT count(*)::int AS n FROM users.event_log')).rows[0].n).toBe(before);
    });

    it.each([
      ['a wrong specversion', { specversion: '0.3' }, ['specversion']],
      ['a missing id and type', { id: undefined, type: undefined }, ['id', 'type']],
      ['an over-long id', { id: 'x'.repeat(257) }, ['id']],
      ['a source that is no URI-reference', { source: 'not a uri' }, ['source']],
      ['a time that is not RFC 3339', { time: '31/01/2025' }, ['time']],
      ['an upper-case extension name', { myExt: 1 }, ['myExt']],
      ['data_base64', { data_base64: 'aGk=' }, ['data_base64']],
      ['a NUL character in data', { data: { note: 'a\u0000b' } }, ['data']],
      ['an invalid traceparent', { traceparent: 'x' }, ['traceparent']],
    ])('refuses %s with 400 and per-field errors, recording nothing', async (_what, change, fields) => {
      const before = await countPlatformEvents();
      const res = await post(event(change));
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(Object.keys(res.body.errors).sort()).toEqual(fields);
      expect(await countPlatformEvents()).toBe(before);
    });

    it.each([
      ['a non-JSON body', '{"specversion": nope'],
      ['an array', [event()]],
      ['a JSON string', '"event"'],
      ['an empty object', {}],
      ['data nested 10 000 levels deep', `{"specversion":"1.0","id":"deep","source":"x","type":"t","data":${'['.repeat(10_000)}${']'.repeat(10_000)}}`],
      ['a lone surrogate in data', `{"specversion":"1.0","id":"s","source":"x","type":"t","data":"\\ud800"}`],
    ])('refuses %s with 400, never a 5xx', async (_what, body) => {
      const res = await post(body);
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
    });

    it('answers 415 problem+json for a body that is not JSON', async () => {
      const res = await post('<event/>', { 'content-type': 'application/xml' });
      expect(res.status).toBe(415);
      expect(res.headers['content-type']).toContain('application/problem+json');
    });

    it('answers 413 for an event over 1 MiB, whether the body fits the HTTP limit or not', async () => {
      const before = await countPlatformEvents();
      const justOver = await post(event({ data: 'x'.repeat(MAX_EVENT_BYTES) }));
      expect(justOver.status).toBe(413);
      expect(justOver.headers['content-type']).toContain('application/problem+json');
      expect(justOver.body).toMatchObject({ status: 413, code: 'EVENT_LOG.EVENT_TOO_LARGE' });
      const farOver = await post(event({ data: 'x'.repeat(2 * MAX_EVENT_BYTES) }), { 'content-type': 'application/cloudevents+json' });
      expect(farOver.status).toBe(413);
      expect(farOver.headers['content-type']).toContain('application/problem+json');
      expect(await countPlatformEvents()).toBe(before);
    });

    it('accepts an event just under 1 MiB', async () => {
      const input = event({ data: 'x'.repeat(MAX_EVENT_BYTES - 2048) });
      expect((await post(input)).status).toBe(201);
    });

    it('answers 413 for an event that only outgrows 1 MiB as stored and published (numbers written out in full), recording nothing', async () => {
      const before = await countPlatformEvents();
      const input = event({ data: Array(6000).fill(1e308) });
      expect(Buffer.byteLength(JSON.stringify(input))).toBeLessThan(50_000);
      const res = await post(input);
      expect(res.status).toBe(413);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.body).toMatchObject({ status: 413, code: 'EVENT_LOG.EVENT_TOO_LARGE' });
      expect(await stored(source, input.id)).toHaveLength(0);
      expect(await countPlatformEvents()).toBe(before);
    });

    it('accepts and relays an event whose published record is just under the limit, and refuses one byte more', async () => {
      // Every attribute the bus would fill in is given, so the published text is known up to the padding.
      const fixed = {
        time: '2025-01-31T12:00:00Z', datacontenttype: 'application/json', partitionkey: `big-${randomUUID().slice(0, 8)}`,
        correlationid: 'corr', causationid: 'cause', traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      };
      const sized = (pad: number) => event({ ...fixed, data: { numbers: Array(1000).fill(1e308), pad: 'x'.repeat(pad) } });
      // The relay publishes the envelope as PostgreSQL prints the stored jsonb: measure that text.
      const publishedBytes = async (body: Record<string, unknown>) =>
        (await sql.query('SELECT octet_length($1::jsonb::text) AS n', [JSON.stringify(body)])).rows[0].n as number;
      const key = Buffer.byteLength(fixed.partitionkey);
      // Room for the partition key, and for a KPL aggregate's framing (a second copy of the key and ~33 bytes).
      const budget = MAX_EVENT_BYTES - 2 * key - 64;
      const probe = sized(0);
      const pad = budget - (await publishedBytes(probe));
      const fits = { ...sized(pad), id: randomUUID() };
      expect(await publishedBytes(fits)).toBe(budget);
      const tooBig = { ...sized(pad + 1), id: randomUUID() };
      expect((await post(tooBig)).status).toBe(413);
      expect(await stored(source, tooBig.id)).toHaveLength(0);
      expect((await post(fits)).status).toBe(201);
      const kinesis = testKinesisClient();
      const relayed = await eventually('the event just under the limit is on platform-events', async () => {
        const found = (await readStream(kinesis, `${t.streamPrefix}platform-events`)).find((e) => e.id === fits.id);
        expect(found).toBeDefined();
        return found!;
      }, 30_000);
      expect((relayed.data as { pad: string }).pad).toHaveLength(pad);
      kinesis.destroy();
    });

    it.each([['orders.OrderApproved'], ['users.UserRegistered'], ['Inventory.StockReserved'], ['platform.Anything']])(
      'answers 403 for the type %s in a namespace of the app\'s own contexts, recording nothing',
      async (type) => {
        const input = event({ type, subject: randomUUID() });
        const res = await post(input);
        expect(res.status).toBe(403);
        expect(res.headers['content-type']).toContain('application/problem+json');
        expect(res.body).toMatchObject({ status: 403, code: 'EVENT_LOG.TYPE_FORBIDDEN' });
        expect(await stored(source, input.id)).toHaveLength(0);
        const listed = await t.request('GET', `/events?type=${type}&subject=${input.subject}`);
        expect(listed.body.items).toEqual([]);
      },
    );

    it('accepts types that merely start like a context name (ordersystem.Shipped, com.acme.orders.Shipped)', async () => {
      expect((await post(event({ type: 'ordersystem.Shipped' }))).status).toBe(201);
      expect((await post(event({ type: 'com.acme.orders.Shipped' }))).status).toBe(201);
    });

    it('answers a value PostgreSQL cannot store with a stable 400 naming the field, not the driver\'s text', async () => {
      const before = await countPlatformEvents();
      // RFC 3339 allows a +20:00 offset; PostgreSQL's timestamptz does not (at most ±15:59).
      const res = await post(event({ time: '2025-01-31T12:00:00+20:00' }));
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.body.errors).toEqual({ time: ['time cannot be stored (PostgreSQL refuses this value)'] });
      expect(JSON.stringify(res.body)).not.toMatch(/displacement|out of range|timestamp/i);
      expect(await countPlatformEvents()).toBe(before);
    });

    const appendedSeries = async () => {
      const text = String((await t.request('GET', '/metrics')).body);
      return new Map([...text.matchAll(/^eda_events_appended_total(\{[^}]*\}) (\S+)$/gm)].map((m) => [m[1], Number(m[2])]));
    };

    it('counts created events in eda_events_appended_total, not replays', async () => {
      const input = event({ type: `com.acme.Counted${randomUUID().slice(0, 8)}` });
      const before = (await appendedSeries()).get('{source="platform",type="external"}') ?? 0;
      await post(input);
      await post(input);
      expect((await appendedSeries()).get('{source="platform",type="external"}')).toBe(before + 1);
    });

    it('labels eda_events_appended_total with bounded values only: many producer types and sources add no series', async () => {
      await post(event());
      const before = await appendedSeries();
      for (let i = 0; i < 5; i++) expect((await post(event({ type: `com.acme.Burst${randomUUID()}` }))).status).toBe(201);
      expect((await post(event({ source: `${source}.partner`, type: `com.acme.Burst${randomUUID()}` }))).status).toBe(201);
      const after = await appendedSeries();
      expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
      expect(after.get('{source="platform",type="external"}')).toBe(before.get('{source="platform",type="external"}')! + 6);
    });

    it('commits one partition key\'s events in the order of their positions, however two POSTs interleave', async () => {
      const key = `ordered-${randomUUID()}`;
      const first = event({ partitionkey: key });
      const second = event({ partitionkey: key });
      // A transaction of our own holds first's (source, id): its INSERT draws a position, then waits on us.
      const holder = new Client({ connectionString: t.db.url });
      await holder.connect();
      try {
        await holder.query('BEGIN');
        await holder.query(
          `INSERT INTO platform.event_log (id, source, type, partition_key, stream, time, envelope, content_hash)
           VALUES ($1, $2, 't', $3, 'platform-events', now(), '{}', 'held')`,
          [first.id, source, key],
        );
        const waiters = async (locktype: string) =>
          (await sql.query(
            `SELECT count(*)::int AS n FROM pg_locks l JOIN pg_stat_activity a USING (pid)
              WHERE NOT l.granted AND l.locktype = $1 AND a.datname = current_database() AND a.query LIKE '%INSERT INTO platform.event_log%'`,
            [locktype],
          )).rows[0].n as number;
        const firstAnswer = post(first);
        await eventually('the first POST waits on our transaction', async () => expect(await waiters('transactionid')).toBe(1));
        let secondDone = false;
        const secondAnswer = post(second).finally(() => {
          secondDone = true;
        });
        // The second POST must not overtake: it waits behind the first, in the process (one statement at a time
        // per key) or in PostgreSQL (the key's lock). Time enough to commit, were it free to.
        await new Promise((r) => setTimeout(r, 500));
        expect(secondDone).toBe(false);
        const visibleWhileFirstPending = (await sql.query('SELECT id FROM platform.event_log WHERE partition_key = $1 AND content_hash <> $2', [key, 'held'])).rows;
        expect(visibleWhileFirstPending).toEqual([]);
        await holder.query('ROLLBACK');
        expect((await firstAnswer).status).toBe(201);
        expect((await secondAnswer).status).toBe(201);
      } finally {
        await holder.end();
      }
      const { rows } = await sql.query('SELECT id FROM platform.event_log WHERE partition_key = $1 ORDER BY position', [key]);
      expect(rows.map((r) => r.id)).toEqual([first.id, second.id]);
    });
  });

  describe('GET /events', () => {
    it('pages through filtered events oldest first, without gaps or duplicates', async () => {
      const type = `com.acme.Paged${randomUUID().slice(0, 8)}`;
      const ids: string[] = [];
      for (let i = 0; i < 11; i++) {
        const input = event({ type });
        ids.push(input.id);
        expect((await post(input)).status).toBe(201);
      }
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const res: { status: number; body: any } = await t.request('GET', `/events?type=${type}&limit=4${cursor ? `&cursor=${cursor}` : ''}`);
        expect(res.status).toBe(200);
        expect(res.body.items.length).toBeLessThanOrEqual(4);
        seen.push(...res.body.items.map((e: { id: string }) => e.id));
        cursor = res.body.nextCursor;
        pages++;
      } while (cursor);
      expect(pages).toBe(3);
      expect(seen).toEqual(ids);
    });

    it('returns the events of one transaction in position order, also where positions gain a digit (9, 10, …)', async () => {
      // One transaction of 25 rows (as a context's command handler can write): positions cross a power of ten
      // within it, which a text sort would put out of order ('100' before '99') and page twice.
      const type = `com.acme.Batch${randomUUID().slice(0, 8)}`;
      const { rows: [{ next }] } = await sql.query(`SELECT coalesce(max(position), 0) + 1 AS next FROM platform.event_log`);
      let power = 100;
      while (power - 12 < Number(next)) power *= 10;
      await sql.query(`SELECT setval(pg_get_serial_sequence('platform.event_log', 'position'), $1)`, [power - 13]);
      const ids = Array.from({ length: 25 }, () => randomUUID());
      await sql.query('BEGIN');
      for (const id of ids) {
        // The envelope as the bus would store it (docs/contract.md §4), so what the relay publishes matches the AsyncAPI document.
        const envelope = {
          ...event({ id, type }),
          datacontenttype: 'application/json',
          partitionkey: id,
          time: new Date().toISOString(),
          correlationid: id,
          causationid: id,
          traceparent: `00-${randomUUID().replace(/-/g, '')}-${randomUUID().replace(/-/g, '').slice(0, 16)}-01`,
        };
        await sql.query(
          `INSERT INTO platform.event_log (id, source, type, subject, partition_key, stream, time, envelope, content_hash)
           VALUES ($1, $2, $3, $4, $5, 'platform-events', now(), $6::jsonb, md5($6::text))`,
          [id, source, type, envelope.subject, id, JSON.stringify(envelope)],
        );
      }
      await sql.query('COMMIT');
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const res: { status: number; body: any } = await t.request('GET', `/events?type=${type}&limit=7${cursor ? `&cursor=${cursor}` : ''}`);
        expect(res.status).toBe(200);
        seen.push(...res.body.items.map((e: { id: string }) => e.id));
        cursor = res.body.nextCursor;
      } while (cursor);
      expect(seen).toEqual(ids);
    });

    it('returns a POSTed event and a context\'s own event (POST /users) from one log, in recording order', async () => {
      const external = event();
      expect((await post(external)).status).toBe(201);
      const user = await aUser(t);
      const all: Array<{ id: string; source: string; type: string; subject?: string }> = [];
      let cursor: string | null = null;
      do {
        const res: { body: any } = await t.request('GET', `/events?limit=500${cursor ? `&cursor=${cursor}` : ''}`);
        all.push(...res.body.items);
        cursor = res.body.nextCursor;
      } while (cursor);
      const externalAt = all.findIndex((e) => e.id === external.id && e.source === source);
      const userAt = all.findIndex((e) => e.source === 'users' && e.type === 'users.UserRegistered' && e.subject === user.id);
      expect(externalAt).toBeGreaterThanOrEqual(0);
      expect(userAt).toBeGreaterThan(externalAt);
      expect(new Set(all.map((e) => `${e.source}/${e.id}`)).size).toBe(all.length);
      const bySubject = await t.request('GET', `/events?source=users&subject=${user.id}`);
      expect(bySubject.body.items.map((e: { type: string }) => e.type)).toEqual(['users.UserRegistered']);
    });

    it('filters by source, subject and the event time (after/before)', async () => {
      const subject = `filtered-${randomUUID()}`;
      const old = event({ subject, time: '2020-01-01T00:00:00Z' });
      const recent = event({ subject, time: '2030-01-01T00:00:00+02:00' });
      const partner = event({ subject, source: `${source}.partner`, time: '2025-06-01T00:00:00Z' });
      for (const e of [old, recent, partner]) expect((await post(e)).status).toBe(201);
      const ids = async (query: string) => (await t.request('GET', `/events?subject=${subject}&${query}`)).body.items.map((e: { id: string }) => e.id);
      expect(await ids('')).toEqual([old.id, recent.id, partner.id]);
      expect(await ids(`source=${source}.partner`)).toEqual([partner.id]);
      expect(await ids('after=2024-01-01T00:00:00Z')).toEqual([recent.id, partner.id]);
      expect(await ids('before=2026-01-01T00:00:00Z')).toEqual([old.id, partner.id]);
      // recent is 2029-12-31T22:00Z: after a 21:00Z bound given as 20:00-01:00, before one given as 23:30-01:00.
      expect(await ids('after=2021-01-01T00:00:00Z&before=2029-12-31T20:00:00-01:00')).toEqual([partner.id]);
      expect(await ids('after=2029-12-31T20:00:00-01:00&before=2029-12-31T23:30:00-01:00')).toEqual([recent.id]);
      expect(await ids(`type=com.acme.Nothing`)).toEqual([]);
    });

    it('is not held back by a transaction left open in another database of the same server', async () => {
      // Transaction ids are the server's: an older one open elsewhere must not hide what this database committed.
      const elsewhere = new Client({ connectionString: testServerUrl() });
      await elsewhere.connect();
      try {
        await elsewhere.query('BEGIN');
        await elsewhere.query('SELECT pg_current_xact_id()');
        const fresh = event({ subject: `elsewhere-${randomUUID()}` });
        expect((await post(fresh)).status).toBe(201);
        const res = await t.request('GET', `/events?subject=${fresh.subject}`);
        expect(res.body.items.map((e: { id: string }) => e.id)).toEqual([fresh.id]);
      } finally {
        await elsewhere.end();
      }
    });

    it('returns, from the last cursor, a row whose transaction committed after later rows were committed', async () => {
      const subject = `late-${randomUUID()}`;
      const [z1, z2] = [event({ subject }), event({ subject })];
      for (const e of [z1, z2]) expect((await post(e)).status).toBe(201);
      const late = new Client({ connectionString: t.db.url });
      await late.connect();
      const lateId = randomUUID();
      try {
        await late.query('BEGIN');
        // In a context's log, while the others are in the producers' log: the cursor spans the union of logs.
        await late.query(
          `INSERT INTO users.event_log (id, source, type, subject, partition_key, stream, time, envelope, content_hash)
           VALUES ($1, 'users', 'users.LateForTest', $2, $2, 'late-test-events', now(), $3::jsonb, 'late')`,
          [lateId, subject, JSON.stringify({ specversion: '1.0', id: lateId, source: 'users', type: 'users.LateForTest', subject })],
        );
        const [b, c] = [event({ subject }), event({ subject })];
        for (const e of [b, c]) expect((await post(e)).status).toBe(201);
        // A client pages to the end, remembering the cursor of its last request.
        const seen: string[] = [];
        let last: string | undefined;
        let next: string | null | undefined;
        do {
          if (next) last = next;
          const res: { status: number; body: any } = await t.request('GET', `/events?subject=${subject}&limit=1${next ? `&cursor=${next}` : ''}`);
          expect(res.status).toBe(200);
          seen.push(...res.body.items.map((e: { id: string }) => e.id));
          next = res.body.nextCursor;
        } while (next);
        expect(seen).not.toContain(lateId);
        await late.query('COMMIT');
        // Resumed from that cursor, the client meets the late row, and with what it saw before, every row once.
        const resumed: string[] = [];
        next = last;
        do {
          const res: { status: number; body: any } = await t.request('GET', `/events?subject=${subject}&limit=1${next ? `&cursor=${next}` : ''}`);
          resumed.push(...res.body.items.map((e: { id: string }) => e.id));
          next = res.body.nextCursor;
        } while (next);
        expect(resumed).toContain(lateId);
        expect(new Set([...seen, ...resumed])).toEqual(new Set([z1.id, z2.id, lateId, b.id, c.id]));
      } finally {
        await late.end();
      }
    });

    it.each([
      ['limit=0'],
      ['limit=501'],
      ['limit=abc'],
      ['after=yesterday'],
      ['before=2025-01-01'],
      ['cursor=not-a-cursor'],
      [`cursor=${Buffer.from('["2025-01-01T00:00:00.000000Z","platform","0"]').toString('base64url')}`],
      ['type=a&type=b'],
      ['subject=%00'],
      ['unknown=1'],
    ])('answers 400 problem+json for the bad filter %s', async (query) => {
      const res = await t.request('GET', `/events?${query}`);
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(Object.keys(res.body.errors ?? {})).not.toHaveLength(0);
    });

    it('defaults to 100 items a page', async () => {
      for (let i = 0; i < 3; i++) await post(event());
      const count = (await sql.query(`SELECT (SELECT count(*) FROM platform.event_log) + (SELECT count(*) FROM users.event_log) AS n`)).rows[0].n;
      const res = await t.request('GET', '/events');
      expect(res.body.items).toHaveLength(Math.min(100, Number(count)));
    });
  });

  describe('GET /events/:id', () => {
    it('returns the stored CloudEvent, from the platform log and from a context\'s log', async () => {
      const input = event();
      await post(input);
      const res = await t.request('GET', `/events/${input.id}`);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ ...input, partitionkey: input.subject, causationid: input.id });
      const user = await aUser(t);
      const [{ id: userEventId }] = (await sql.query('SELECT id FROM users.event_log WHERE subject = $1', [user.id])).rows;
      const own = await t.request('GET', `/events/${userEventId}`);
      expect(own.status).toBe(200);
      expect(own.body).toMatchObject({ source: 'users', type: 'users.UserRegistered', subject: user.id });
    });

    it('tells apart events of two sources sharing an id with ?source=', async () => {
      const input = event();
      await post(input);
      await post({ ...input, source: `${source}.partner`, data: { other: true } });
      expect((await t.request('GET', `/events/${input.id}?source=${source}.partner`)).body.data).toEqual({ other: true });
      expect((await t.request('GET', `/events/${input.id}`)).body.data).toEqual(input.data);
    });

    it.each([[randomUUID()], ['%00'], ['x'.repeat(300)]])('answers 404 problem+json for an unknown id (%#)', async (id) => {
      const res = await t.request('GET', `/events/${id}`);
      expect(res.status).toBe(404);
      expect(res.headers['content-type']).toContain('application/problem+json');
    });
  });

  it('documents the event bus in OpenAPI: POST /events with the producer-key scheme, GET /events with a key or the ops token', async () => {
    const { body: doc } = await t.request('GET', '/docs-json');
    const postEvents = doc.paths['/events'].post;
    expect(postEvents.security).toEqual([{ 'producer-key': [] }]);
    expect(Object.keys(postEvents.responses).sort()).toEqual(['200', '201', '400', '401', '403', '409', '413', '429']);
    for (const path of ['/events', '/events/{id}']) {
      expect(doc.paths[path].get.security).toEqual(expect.arrayContaining([{ 'producer-key': [] }, { 'ops-token': [] }]));
      expect(doc.paths[path].get.responses).toHaveProperty('401');
      expect(doc.paths[path].get.responses).toHaveProperty('403');
    }
    expect(Object.keys(postEvents.requestBody.content)).toEqual(expect.arrayContaining(['application/cloudevents+json', 'application/json']));
    expect(doc.paths['/events'].get.parameters.map((p: { name: string }) => p.name)).toEqual(
      expect.arrayContaining(['type', 'source', 'subject', 'after', 'before', 'limit', 'cursor']),
    );
    expect(doc.paths['/events/{id}'].get.responses).toHaveProperty('404');
  });

  it('put only records that match the AsyncAPI document on the streams (docs/adr/0020-asyncapi-contract.md)', async () => {
    expect(await streamContractProblems(t)).toEqual([]);
  });
});
