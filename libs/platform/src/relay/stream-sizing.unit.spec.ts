import { HOT_KEY_SHARE, Rate, SHARD_BYTES_PER_SECOND, sizeStream } from './stream-sizing';

const rate = (peakRecordsPerSecond: number, peakBytesPerSecond: number): Rate => ({
  records: peakRecordsPerSecond,
  bytes: peakBytesPerSecond,
  recordsPerSecond: peakRecordsPerSecond / 60,
  bytesPerSecond: peakBytesPerSecond / 60,
  peakRecordsPerSecond,
  peakBytesPerSecond,
});

describe('stream sizing advice', () => {
  it('sizes a stream for its busiest second at 70 % of the shard limits', () => {
    const sizing = sizeStream({ stream: 'orders-events', shards: 1, rate: rate(2100, 1000), keys: [] });
    expect(sizing.shardsNeeded).toBe(3);
    expect(sizing.utilisation).toBeCloseTo(2.1);
    expect(sizing.advice[0]).toMatch(/^3 shards for this rate .* at 70 % utilisation; the stream has 1: add shards/);
  });

  it('takes the byte limit when it binds first, and never advises fewer than one shard', () => {
    expect(sizeStream({ stream: 's', shards: 4, rate: rate(10, 2 * SHARD_BYTES_PER_SECOND), keys: [] }).shardsNeeded).toBe(3);
    const idle = sizeStream({ stream: 's', shards: 2, rate: rate(0, 0), keys: [] });
    expect(idle.shardsNeeded).toBe(1);
    expect(idle.advice).toEqual(['1 shard for this rate (0 records/s, 0 B/s at the busiest second) at 70 % utilisation; the stream has 2.']);
  });

  it('flags a key that alone needs more than a shard: salting or aggregation, not more shards', () => {
    const sizing = sizeStream({
      stream: 'orders-events',
      shards: 4,
      rate: rate(1500, 1000),
      keys: [{ key: 'tenant-42', rate: rate(1400, 700) }, { key: 'calm', rate: rate(100, 300) }],
    });
    expect(sizing.keys.map((k) => [k.key, k.hot])).toEqual([['tenant-42', true], ['calm', false]]);
    expect(sizing.keys[0].shareOfShard).toBeCloseTo(1.4);
    expect(sizing.advice).toContain('Key tenant-42 alone needs 1.4 shards: salt it or aggregate (fewer, larger records); more shards do not help a single key.');
  });

  it('flags a key by bytes at half a shard, and leaves quieter keys alone', () => {
    const sizing = sizeStream({ stream: 's', shards: 1, rate: rate(4, 0.8 * SHARD_BYTES_PER_SECOND), keys: [
      { key: 'big', rate: rate(3, HOT_KEY_SHARE * SHARD_BYTES_PER_SECOND) },
      { key: 'small', rate: rate(1, 0.3 * SHARD_BYTES_PER_SECOND) },
    ] });
    expect(sizing.keys.filter((k) => k.hot).map((k) => k.key)).toEqual(['big']);
    expect(sizing.advice[1]).toBe('Key big takes 50 % of a shard at its busiest second: salt it (spread it over several keys) or send smaller events before it reaches the limit.');
  });

  it('says when the shard count is unknown or capacity is on demand', () => {
    expect(sizeStream({ stream: 's', shards: null, rate: rate(10, 10), keys: [] }).advice[0]).toMatch(/shard count is unknown/);
    expect(sizeStream({ stream: 's', shards: 0, rate: rate(10, 10), keys: [] }).advice[0]).toMatch(/On-demand/);
  });
});
