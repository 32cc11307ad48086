// eslint-disable-next-line @typescript-eslint/no-require-imports
const { aggregate } = require('aws-kinesis-agg');

/** A KPL aggregated record of `records`, as the relay sends a key's run with aggregation on. */
export function kplAggregate(records: Array<{ partitionKey: string; data: Buffer }>): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    aggregate(records, (encoded: { data: Buffer }, done?: () => void) => {
      resolve(Buffer.from(encoded.data));
      done?.();
    }, () => undefined, reject);
  });
}
