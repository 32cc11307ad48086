import { batchLanes, MAX_BATCH_LANES, MIN_LANE_MESSAGES } from './message-dispatcher';

const plain = {};
const messagesOf = (keys: string[]) => keys.map((partitionKey) => ({ partitionKey }));
const all = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('batchLanes (a handler batch split into transactions side by side)', () => {
  it('keeps a small batch in one lane', () => {
    const messages = messagesOf(Array.from({ length: 2 * MIN_LANE_MESSAGES - 1 }, (_, i) => `k${i}`));
    expect(batchLanes(plain, messages, all(messages.length))).toEqual([all(messages.length)]);
  });

  it('splits a large batch into at most MAX_BATCH_LANES lanes of whole keys, each key in its order', () => {
    // 40 keys, 10 messages each, interleaved as a shard delivers them.
    const keys = Array.from({ length: 400 }, (_, i) => `k${i % 40}`);
    const messages = messagesOf(keys);
    const lanes = batchLanes(plain, messages, all(keys.length));
    expect(lanes).toHaveLength(MAX_BATCH_LANES);
    expect(lanes.flat().sort((a, b) => a - b)).toEqual(all(keys.length));
    const laneOf = new Map<string, number>();
    lanes.forEach((lane, l) => {
      expect(lane).toEqual([...lane].sort((a, b) => a - b));
      for (const i of lane) {
        expect(laneOf.get(keys[i]) ?? l).toBe(l);
        laneOf.set(keys[i], l);
      }
    });
    // Keys dealt in turn: lanes within one key of each other.
    expect(Math.max(...lanes.map((l) => l.length)) - Math.min(...lanes.map((l) => l.length))).toBeLessThanOrEqual(10);
  });

  it('never makes more lanes than keys: one hot key stays one lane', () => {
    const messages = messagesOf(Array.from({ length: 500 }, () => 'hot'));
    expect(batchLanes(plain, messages, all(500))).toEqual([all(500)]);
    const two = messagesOf(Array.from({ length: 500 }, (_, i) => (i % 2 ? 'a' : 'b')));
    expect(batchLanes(plain, two, all(500))).toHaveLength(2);
  });

  it('keeps one transaction for a handler that works on the batch as a whole', () => {
    const messages = messagesOf(Array.from({ length: 500 }, (_, i) => `k${i}`));
    const handleBatch = async () => undefined;
    expect(batchLanes({ handleBatch }, messages, all(500))).toHaveLength(1);
    expect(batchLanes({ prepareBatch: handleBatch }, messages, all(500))).toHaveLength(1);
    expect(batchLanes({ finishBatch: async () => undefined }, messages, all(500))).toHaveLength(1);
  });

  it('lanes only the indexes it is given (parked keys and other handlers\' messages left out)', () => {
    const messages = messagesOf(Array.from({ length: 300 }, (_, i) => `k${i % 30}`));
    const given = all(300).filter((i) => i % 3 !== 0);
    const lanes = batchLanes(plain, messages, given);
    expect(lanes.flat().sort((a, b) => a - b)).toEqual(given);
  });
});
