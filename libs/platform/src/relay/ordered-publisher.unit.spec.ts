import type { KinesisClient, PutRecordsCommand, PutRecordsRequestEntry, PutRecordsResultEntry } from '@aws-sdk/client-kinesis';
import { decodeRecords } from '../consumer/dispatch/record-decoder';
import type { StreamProvisioner } from '../kinesis/stream-provisioner';
import { MetricsService } from '../observability/metrics.service';
import { eventually } from '../testing/eventually';
import { AggregationMode, DEFAULT_LINGER_MS, KEY_PARKED, MAX_RECORD_BYTES, OrderedPublisher, RECORD_TOO_LARGE } from './ordered-publisher';
import type { Parking, ReleasedRecord } from './relay-record';
import { RelayMetrics } from './relay-metrics';
import type { RelayRecord } from './relay-record';

/** What one record of a call carried: the key and, aggregated or not, the positions of the events in it. */
interface SentRecord {
  key: string;
  positions: string[];
  aggregated: boolean;
}

type Answer = (records: SentRecord[]) => Array<string | undefined> | { throw: string };

/**
 * The publisher against a scripted PutRecords (the logic under test is which records go in which call and
 * what happens to refusals; the real Kinesis path is covered by the relay's integration tests).
 */
function harness(options: { aggregation?: AggregationMode; answer?: Answer; parkFailures?: number; latencyMs?: () => number; maxBuffered?: number } = {}) {
  const calls: SentRecord[][] = [];
  const parked: Parking[] = [];
  const republished: ReleasedRecord[] = [];
  const confirmed: string[] = [];
  const checkpoints: string[] = [];
  let parkFailures = options.parkFailures ?? 0;
  let sequence = 0;
  const kinesis = {
    async send(command: PutRecordsCommand) {
      const records: SentRecord[] = (command.input.Records ?? []).map((r: PutRecordsRequestEntry) => {
        const messages = decodeRecords([{ Data: r.Data as Uint8Array, PartitionKey: r.PartitionKey, SequenceNumber: String(++sequence) } as never]);
        const aggregated = Buffer.from(r.Data as Uint8Array).subarray(0, 4).equals(Buffer.from([0xf3, 0x89, 0x9a, 0xc2]));
        return { key: r.PartitionKey!, aggregated, positions: messages.map((m) => String((m.event?.data as { position: string }).position)) };
      });
      calls.push(records);
      const latency = options.latencyMs?.() ?? 0;
      if (latency > 0) await new Promise((resolve) => setTimeout(resolve, latency));
      const answer = options.answer?.(records) ?? records.map(() => undefined);
      if (!Array.isArray(answer)) throw Object.assign(new Error(`${answer.throw} (scripted)`), { name: answer.throw });
      const results: PutRecordsResultEntry[] = answer.map((code) => (code ? { ErrorCode: code, ErrorMessage: `${code} (scripted)` } : { SequenceNumber: String(++sequence), ShardId: 's' }));
      return { FailedRecordCount: results.filter((r) => r.ErrorCode).length, Records: results };
    },
  } as unknown as KinesisClient;
  const provisioner = { isKnownActive: () => true } as unknown as StreamProvisioner;
  const publisher = new OrderedPublisher(
    kinesis,
    provisioner,
    {
      streamPrefix: 't-',
      aggregation: options.aggregation ?? 'auto',
      backoff: { baseMs: 1, capMs: 5 },
      maxBuffered: options.maxBuffered,
      parking: {
        park: async (parkings) => {
          if (parkFailures-- > 0) throw new Error('database away');
          parked.push(...parkings);
        },
        republished: (records) => republished.push(...records),
      },
    },
    new RelayMetrics(new MetricsService()),
    (records, checkpoint) => {
      confirmed.push(...records.map((r) => r.position));
      if (checkpoint) checkpoints.push(checkpoint);
    },
  );
  return { publisher, calls, parked, republished, confirmed, checkpoints };
}

let position = 0;
function record(key: string, extra: Record<string, unknown> = {}): RelayRecord {
  const p = String(++position);
  return { schema: 's', position: p, stream: 'events', partitionKey: key, data: JSON.stringify({ specversion: '1.0', id: `e${p}`, source: 's', type: 't', data: { position: p, ...extra } }) };
}
const positionsOf = (records: RelayRecord[]) => records.map((r) => r.position);

describe('OrderedPublisher', () => {
  describe('aggregation', () => {
    it('auto: sends a key with one queued record plain and a key with a queued run as one KPL aggregate', async () => {
      const { publisher, calls, confirmed } = harness({ aggregation: 'auto' });
      const records = [record('hot'), record('hot'), record('hot'), record('cold')];
      // Pushed at once: the first `hot` call is in flight while the rest queue.
      await Promise.all(records.map((r) => publisher.push(r)));
      await publisher.drain();
      await publisher.stop();
      const sent = calls.flat();
      // The first `hot` record left alone (nothing queued behind it yet); the rest of its run rode together.
      expect(sent.filter((r) => r.key === 'hot').map((r) => [r.aggregated, r.positions])).toEqual([
        [false, [records[0].position]],
        [true, positionsOf(records.slice(1, 3))],
      ]);
      expect(sent.find((r) => r.key === 'cold')).toMatchObject({ aggregated: false });
      expect(confirmed).toEqual(positionsOf(records));
    });

    it('on: aggregates even a single record; off: never aggregates', async () => {
      for (const [mode, expected] of [['on', true], ['off', false]] as const) {
        const { publisher, calls } = harness({ aggregation: mode });
        for (let i = 0; i < 3; i++) await publisher.push(record('k'));
        await publisher.drain();
        await publisher.stop();
        expect(calls.flat().every((r) => r.aggregated === expected)).toBe(true);
        if (mode === 'off') expect(calls.map((c) => c.length)).toEqual([1, 1, 1]);
      }
    });

    it('splits an aggregate Kinesis refuses for good into plain records, publishing those before the culprit', async () => {
      const held = harness({ aggregation: 'on', answer: (rs) => rs.map((r) => (r.aggregated && r.positions.length > 1 ? 'KMSAccessDeniedException' : r.positions.includes(bad.position) ? 'KMSAccessDeniedException' : undefined)) });
      const good = [record('k'), record('k')];
      const bad = record('k');
      const after = record('k');
      for (const r of [...good, bad, after]) await held.publisher.push(r);
      await held.publisher.drain();
      await held.publisher.stop();
      expect(held.confirmed).toEqual(positionsOf(good));
      expect(held.parked.map((p) => [p.record.position, p.code])).toEqual([[bad.position, 'KMSAccessDeniedException'], [after.position, KEY_PARKED]]);
    });
  });

  describe('parking', () => {
    it('parks a record over 1 MiB without sending it, with every later record of its key, while other keys are published', async () => {
      const { publisher, calls, parked, confirmed, checkpoints } = harness();
      const before = record('bad');
      const huge = record('bad', { pad: 'x'.repeat(MAX_RECORD_BYTES) });
      const follower = record('bad');
      const other = record('good');
      for (const r of [before, huge, follower, other]) await publisher.push(r);
      publisher.checkpoint('lsn-1');
      const later = record('bad');
      await publisher.push(later);
      await publisher.drain();
      await publisher.stop();
      expect(calls.flat().flatMap((r) => r.positions)).not.toContain(huge.position);
      expect(parked.map((p) => [p.record.position, p.code])).toEqual([[huge.position, RECORD_TOO_LARGE], [follower.position, KEY_PARKED], [later.position, KEY_PARKED]]);
      // The source moves past parked records; only published ones are stamped.
      expect(confirmed).toEqual(positionsOf([before, other]));
      expect(checkpoints).toEqual(['lsn-1']);
      expect(publisher.pending).toBe(0);
      expect(publisher.parkedKeys()).toEqual([{ stream: 'events', partitionKey: 'bad' }]);
    });

    it('finds the record a whole call was refused for by sending each key alone, and parks only its key', async () => {
      const bad = record('b');
      const { publisher, calls, parked, confirmed } = harness({ aggregation: 'off', answer: (rs) => (rs.some((r) => r.positions.includes(bad.position)) ? { throw: 'ValidationException' } : rs.map(() => undefined)) });
      const others = ['a', 'c', 'd'].map((k) => record(k));
      for (const r of [others[0], bad, ...others.slice(1)]) await publisher.push(r);
      await publisher.drain();
      await publisher.stop();
      expect(confirmed.sort()).toEqual(positionsOf(others).sort());
      expect(parked).toEqual([{ record: bad, code: 'ValidationException', message: 'ValidationException (scripted)' }]);
      // The culprit's last try was a call of its own.
      expect(calls.filter((c) => c.some((r) => r.positions.includes(bad.position))).at(-1)).toHaveLength(1);
    });

    it('keeps retrying refusals that may pass (throttling, internal failures) instead of parking them', async () => {
      let refusals = 3;
      const { publisher, parked, confirmed } = harness({ answer: (rs) => rs.map(() => (refusals-- > 0 ? 'InternalFailure' : undefined)) });
      const r = record('k');
      await publisher.push(r);
      await publisher.drain();
      await publisher.stop();
      expect(parked).toEqual([]);
      expect(confirmed).toEqual([r.position]);
    });

    it('holds the source back until a parking is durable, retrying the write', async () => {
      const { publisher, parked, checkpoints } = harness({ parkFailures: 2 });
      const huge = record('k', { pad: 'x'.repeat(MAX_RECORD_BYTES) });
      await publisher.push(huge);
      publisher.checkpoint('lsn-1');
      await publisher.drain();
      await publisher.stop();
      expect(parked.map((p) => p.record.position)).toEqual([huge.position]);
      expect(checkpoints).toEqual(['lsn-1']);
    });

    it('releases a parked key: its parked records go first, in order, then what arrived meanwhile; refused again, they are parked again', async () => {
      let refuse = true;
      const { publisher, parked, republished, confirmed } = harness({ aggregation: 'off', answer: (rs) => rs.map((r) => (refuse && r.key === 'k' ? 'ValidationException' : undefined)) });
      const [head, follower] = [record('k'), record('k')];
      await publisher.push(head);
      await publisher.push(follower);
      await publisher.drain();
      expect(parked.map((p) => p.code)).toEqual(['ValidationException', KEY_PARKED]);

      // Released while still refused: parked again, in the same order.
      expect(await publisher.beginRelease('events', 'k')).toBe(true);
      publisher.release('events', 'k', [head, follower].map((r, i) => ({ ...r, parkedId: String(i + 1), status: 'retrying' as const })));
      await eventually('the released records are parked again', () => {
        expect(parked.slice(2).map((p) => [p.record.position, p.code])).toEqual([[head.position, 'ValidationException'], [follower.position, KEY_PARKED]]);
      }, 2_000, 5);

      refuse = false;
      expect(await publisher.beginRelease('events', 'k')).toBe(true);
      const meanwhile = record('k');
      await publisher.push(meanwhile);
      publisher.release('events', 'k', [head, follower].map((r, i) => ({ ...r, parkedId: String(i + 1), status: 'retrying' as const })));
      await publisher.drain();
      await publisher.stop();
      expect(republished.map((r) => r.parkedId)).toEqual(['1', '2']);
      expect(confirmed).toEqual([meanwhile.position]);
      expect(publisher.parkedKeys()).toEqual([]);
    });
  });

  describe('batching', () => {
    it('sends a lone record at once, and gathers what arrives while that call is in flight into one call', async () => {
      const { publisher, calls, confirmed } = harness({ latencyMs: () => 30 });
      await publisher.push(record('first'));
      expect(calls).toHaveLength(1);
      const rest = Array.from({ length: 300 }, (_, i) => record(`k${i}`));
      for (const r of rest) await publisher.push(r);
      expect(calls).toHaveLength(1);
      await publisher.drain();
      expect(calls.map((c) => c.length)).toEqual([1, 300]);
      expect(confirmed).toHaveLength(301);
    });

    it('sends full calls side by side without waiting for a partial one', async () => {
      const { publisher, calls } = harness({ latencyMs: () => 30 });
      await publisher.push(record('first'));
      for (let i = 0; i < 1_000; i++) await publisher.push(record(`k${i}`));
      // The lone first call is in flight; two full calls of 500 keys left beside it.
      expect(calls.map((c) => c.length)).toEqual([1, 500, 500]);
      await publisher.drain();
    });

    it('under a steady trickle, starts partial calls of a stream at least lingerMs apart; after a quiet spell a record goes at once', async () => {
      const { publisher, calls, confirmed } = harness({ latencyMs: () => 1 });
      const start = Date.now();
      const trickle: RelayRecord[] = [];
      // One record every millisecond or so for ~200 ms: without the linger, about one call per round trip (~1 ms).
      while (Date.now() - start < 200) {
        const r = record(`t${trickle.length}`);
        trickle.push(r);
        await publisher.push(r);
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
      await publisher.drain();
      expect(confirmed).toEqual(positionsOf(trickle));
      expect(calls.length).toBeLessThanOrEqual(Math.ceil(200 / DEFAULT_LINGER_MS) + 3);
      expect(calls.length).toBeLessThan(trickle.length / 3);
      // Quiet now: the next record is sent without waiting.
      await new Promise((resolve) => setTimeout(resolve, DEFAULT_LINGER_MS * 2));
      const before = calls.length;
      await publisher.push(record('after-quiet'));
      expect(calls.length).toBe(before + 1);
      await publisher.drain();
    });

    it('queues a run pushed at once before sending, so each key of it rides as one aggregate in one round', async () => {
      // 600 keys, two records each, interleaved as a polling pass reads them (position order).
      const run = [...Array.from({ length: 600 }, (_, i) => record(`k${i}`)), ...Array.from({ length: 600 }, (_, i) => record(`k${i}`))];
      const pushedOneByOne = harness({ latencyMs: () => 10 });
      for (const r of run) await pushedOneByOne.publisher.push(r);
      await pushedOneByOne.publisher.drain();
      const atOnce = harness({ latencyMs: () => 10 });
      await atOnce.publisher.pushAll(run);
      await atOnce.publisher.drain();
      // One by one, most keys' second record waits for their first and goes alone: over 1,000 Kinesis records.
      expect(pushedOneByOne.calls.flat().length).toBeGreaterThan(1_000);
      // At once: one aggregate per key (600 Kinesis records, 500 + 100), in order, nothing lost.
      expect(atOnce.calls.map((c) => c.length)).toEqual([500, 100]);
      expect(atOnce.calls.flat().every((r) => r.aggregated && r.positions.length === 2)).toBe(true);
      expect(atOnce.confirmed).toEqual(positionsOf(run));
    });

    it('sends while a run larger than the buffer is pushed at once (backpressure never waits on a corked queue)', async () => {
      const { publisher, confirmed } = harness({ latencyMs: () => 5, maxBuffered: 100 });
      const run = Array.from({ length: 1_000 }, (_, i) => record(`k${i % 50}`));
      await publisher.pushAll(run);
      await publisher.drain();
      expect(confirmed).toEqual(positionsOf(run));
    });
  });

  describe('under random faults', () => {
    /** A small deterministic generator, so a failing seed can be run again. */
    function random(seed: number): () => number {
      let state = seed >>> 0;
      return () => {
        state = (state * 1664525 + 1013904223) >>> 0;
        return state / 2 ** 32;
      };
    }

    it.each([1, 2, 3, 4, 5, 6, 7, 8])('confirms every record once, in push order per key, whatever Kinesis answers (seed %i)', async (seed) => {
      const next = random(seed);
      const codes = ['ProvisionedThroughputExceededException', 'InternalFailure', 'ServiceUnavailable'];
      const { publisher, confirmed, checkpoints, parked } = harness({
        aggregation: seed % 2 === 0 ? 'auto' : 'off',
        latencyMs: () => Math.floor(next() * 4),
        answer: (records) => {
          const roll = next();
          if (roll < 0.05) return { throw: roll < 0.025 ? 'ThrottlingException' : 'TimeoutError' };
          return records.map(() => (next() < 0.3 ? codes[Math.floor(next() * codes.length)] : undefined));
        },
      });
      const pushed = new Map<string, string[]>();
      for (let i = 0; i < 600; i++) {
        // One hot key takes half of the records, the rest spread over 40 keys.
        const key = next() < 0.5 ? 'hot' : `k${Math.floor(next() * 40)}`;
        const r = record(key);
        pushed.set(key, [...(pushed.get(key) ?? []), r.position]);
        await publisher.push(r);
        if (i % 50 === 49) publisher.checkpoint(`c${i}`);
        if (next() < 0.05) await new Promise((resolve) => setTimeout(resolve, 1));
      }
      publisher.checkpoint('end');
      await publisher.drain();
      await publisher.stop();

      expect(parked).toEqual([]);
      expect(publisher.pending).toBe(0);
      expect(checkpoints[checkpoints.length - 1]).toBe('end');
      expect([...confirmed].sort()).toEqual([...pushed.values()].flat().sort());
      const byPosition = new Map([...pushed].flatMap(([key, positions]) => positions.map((p) => [p, key] as const)));
      for (const [key, positions] of pushed) expect(confirmed.filter((p) => byPosition.get(p) === key)).toEqual(positions);
    }, 30_000);
  });
});
