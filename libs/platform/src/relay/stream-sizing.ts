/**
 * Kinesis' write limits per shard (provisioned mode), which throttle per second: a shard takes 1,000
 * records/s and 1 MiB/s in. A partition key always lands on one shard, so no key can go faster than that.
 */
export const SHARD_RECORDS_PER_SECOND = 1000;
export const SHARD_BYTES_PER_SECOND = 1024 * 1024;
/** Size streams to run shards at no more than 70 % of their limits: room for bursts and uneven hashing. */
export const TARGET_UTILISATION = 0.7;
/** A key is flagged hot when its busiest second took at least half of a shard. */
export const HOT_KEY_SHARE = 0.5;

/** Records and bytes over a window: the average per second, and the busiest single second. */
export interface Rate {
  records: number;
  bytes: number;
  recordsPerSecond: number;
  bytesPerSecond: number;
  peakRecordsPerSecond: number;
  peakBytesPerSecond: number;
}

export interface StreamLoad {
  stream: string;
  /** Open shards, null when Kinesis could not be asked (the advice then says so). */
  shards: number | null;
  rate: Rate;
  /** The busiest partition keys, busiest first. */
  keys: Array<{ key: string; rate: Rate }>;
}

export interface HotKeyView {
  key: string;
  rate: Rate;
  /** Of one shard's limit, at the key's busiest second (records or bytes, whichever is higher); 1 = a full shard. */
  shareOfShard: number;
  hot: boolean;
}

export interface StreamSizing {
  /** Of the current shards' limits, at the busiest second; null without a shard count. */
  utilisation: number | null;
  /** Shards that carry the busiest second at TARGET_UTILISATION. */
  shardsNeeded: number;
  keys: HotKeyView[];
  advice: string[];
}

/** The larger of a rate's record and byte shares of one shard, at its busiest second. */
export function shardShare(rate: Rate): number {
  return Math.max(rate.peakRecordsPerSecond / SHARD_RECORDS_PER_SECOND, rate.peakBytesPerSecond / SHARD_BYTES_PER_SECOND);
}

const round1 = (n: number) => Math.round(n * 10) / 10;
const percent = (n: number) => `${Math.round(n * 100)} %`;

/**
 * Sizing advice for a stream from its last minute: how many shards its busiest second needs at 70 %
 * utilisation, and which keys are hot. A hot key cannot be fixed by adding shards (a key maps to one
 * shard); it needs salting (spreading it over several keys, giving up its order across them) or
 * aggregation (fewer, larger records — records, not bytes, being the limit).
 */
export function sizeStream(load: StreamLoad): StreamSizing {
  const share = shardShare(load.rate);
  const shardsNeeded = Math.max(1, Math.ceil(round1(share / TARGET_UTILISATION * 1000) / 1000));
  const utilisation = load.shards && load.shards > 0 ? share / load.shards : null;
  const keys = load.keys.map((k) => {
    const keyShare = shardShare(k.rate);
    return { key: k.key, rate: k.rate, shareOfShard: keyShare, hot: keyShare >= HOT_KEY_SHARE };
  });

  const advice: string[] = [];
  const rateText = `${round1(load.rate.peakRecordsPerSecond)} records/s, ${formatBytes(load.rate.peakBytesPerSecond)}/s at the busiest second`;
  if (load.shards === null) {
    advice.push(`${plural(shardsNeeded, 'shard')} for this rate (${rateText}) at ${percent(TARGET_UTILISATION)} utilisation; the shard count is unknown (Kinesis did not answer).`);
  } else if (load.shards === 0) {
    advice.push(`On-demand capacity: Kinesis scales the shards; hot keys below still hit one shard's limit.`);
  } else if (shardsNeeded > load.shards) {
    advice.push(`${plural(shardsNeeded, 'shard')} for this rate (${rateText}) at ${percent(TARGET_UTILISATION)} utilisation; the stream has ${load.shards}: add shards (UpdateShardCount).`);
  } else {
    advice.push(`${plural(shardsNeeded, 'shard')} for this rate (${rateText}) at ${percent(TARGET_UTILISATION)} utilisation; the stream has ${load.shards}.`);
  }
  for (const k of keys.filter((key) => key.hot)) {
    const byBytes = k.rate.peakBytesPerSecond / SHARD_BYTES_PER_SECOND >= k.rate.peakRecordsPerSecond / SHARD_RECORDS_PER_SECOND;
    const remedy = byBytes ? 'salt it (spread it over several keys) or send smaller events' : 'salt it or aggregate (fewer, larger records)';
    advice.push(
      k.shareOfShard >= 1
        ? `Key ${k.key} alone needs ${round1(k.shareOfShard)} shards: ${remedy}; more shards do not help a single key.`
        : `Key ${k.key} takes ${percent(k.shareOfShard)} of a shard at its busiest second: ${remedy} before it reaches the limit.`,
    );
  }
  return { utilisation, shardsNeeded, keys, advice };
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${round1(n / (1024 * 1024))} MiB`;
  if (n >= 1024) return `${round1(n / 1024)} KiB`;
  return `${Math.round(n)} B`;
}
