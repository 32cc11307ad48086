import { Gathering } from './gathering';

/**
 * Reads by key that concurrent requests share (as a DataLoader batches, without its cache): a request that arrives
 * while `maxInFlight` reads are running waits for one of them to end, then goes with everything else that waited,
 * as one read of all their keys. A lone request reads at once (the next turn of the event loop). A request never
 * takes its answer from a read that began before it arrived, so it sees everything committed before it came.
 */
interface Request<V> {
  keys: readonly string[];
  resolve: (values: Map<string, V>) => void;
  reject: (error: unknown) => void;
}

export class SharedReads<V> {
  private readonly requests: Gathering<Request<V>>;

  constructor(
    private readonly read: (keys: string[]) => Promise<Map<string, V>>,
    maxInFlight = 2,
  ) {
    this.requests = new Gathering({ maxInFlight, send: (batch) => this.readFor(batch) });
  }

  /** The values of `keys` that exist (a key with no value is absent from the map). */
  get(keys: readonly string[]): Promise<Map<string, V>> {
    if (keys.length === 0) return Promise.resolve(new Map());
    return new Promise((resolve, reject) => this.requests.add({ keys, resolve, reject }));
  }

  private async readFor(requests: Array<Request<V>>): Promise<void> {
    try {
      const values = await this.read([...new Set(requests.flatMap((r) => r.keys))]);
      for (const { keys, resolve } of requests) {
        const own = new Map<string, V>();
        for (const key of keys) if (values.has(key)) own.set(key, values.get(key)!);
        resolve(own);
      }
    } catch (error) {
      for (const { reject } of requests) reject(error);
    }
  }
}
