import { SharedReads } from './shared-reads';

/** A read that answers when the test says so, and remembers the keys of every call. */
function controlledRead() {
  const calls: Array<{ keys: string[]; answer: (values: Record<string, number>) => void; fail: (error: Error) => void }> = [];
  const read = (keys: string[]) =>
    new Promise<Map<string, number>>((resolve, reject) => {
      calls.push({ keys, answer: (values) => resolve(new Map(Object.entries(values))), fail: reject });
    });
  return { calls, read };
}
/** Two turns of the event loop: a read that ended schedules the next one for the turn after. */
const turn = () => new Promise((r) => setImmediate(() => setImmediate(r)));

describe('SharedReads', () => {
  it('reads a lone request at once, and answers only the keys that have a value', async () => {
    const { calls, read } = controlledRead();
    const reads = new SharedReads(read);
    const answer = reads.get(['a', 'missing']);
    await turn();
    expect(calls.map((c) => c.keys)).toEqual([['a', 'missing']]);
    calls[0].answer({ a: 1 });
    expect(await answer).toEqual(new Map([['a', 1]]));
  });

  it('makes the requests that arrive while reads run wait, then share one read of all their keys', async () => {
    const { calls, read } = controlledRead();
    const reads = new SharedReads(read, 2);
    const first = reads.get(['a']);
    await turn();
    const second = reads.get(['b']);
    await turn();
    // Two reads run: these three wait, whatever turns pass.
    const waiting = [reads.get(['a', 'c']), reads.get(['c']), reads.get(['d'])];
    await turn();
    await turn();
    expect(calls.map((c) => c.keys)).toEqual([['a'], ['b']]);

    calls[0].answer({ a: 1 });
    await first;
    await turn();
    // One read for the three, each key once.
    expect(calls.map((c) => c.keys)).toEqual([['a'], ['b'], ['a', 'c', 'd']]);
    calls[2].answer({ a: 10, c: 3, d: 4 });
    expect(await Promise.all(waiting)).toEqual([new Map([['a', 10], ['c', 3]]), new Map([['c', 3]]), new Map([['d', 4]])]);
    calls[1].answer({ b: 2 });
    expect(await second).toEqual(new Map([['b', 2]]));
  });

  it('never answers a request from a read that began before it arrived', async () => {
    const { calls, read } = controlledRead();
    const reads = new SharedReads(read, 1);
    const early = reads.get(['a']);
    await turn();
    const late = reads.get(['a']);
    calls[0].answer({ a: 1 });
    expect(await early).toEqual(new Map([['a', 1]]));
    await turn();
    expect(calls).toHaveLength(2);
    calls[1].answer({ a: 2 });
    expect(await late).toEqual(new Map([['a', 2]]));
  });

  it('fails the requests of a failed read, and only those', async () => {
    const { calls, read } = controlledRead();
    const reads = new SharedReads(read, 1);
    const failing = [reads.get(['a']), reads.get(['b'])];
    await turn();
    const after = reads.get(['c']);
    calls[0].fail(new Error('connection lost'));
    await expect(Promise.all(failing)).rejects.toThrow('connection lost');
    await turn();
    calls[1].answer({ c: 3 });
    expect(await after).toEqual(new Map([['c', 3]]));
  });

  it('answers no keys without reading', async () => {
    const { calls, read } = controlledRead();
    expect(await new SharedReads(read).get([])).toEqual(new Map());
    expect(calls).toHaveLength(0);
  });
});
