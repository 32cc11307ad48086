import type { EntityManager } from 'typeorm';
import { TransactionKey, TransactionScope } from './unit-of-work';

// keep/find never touch the manager: the scope's memory is what is tested here.
const scope = (): TransactionScope => new TransactionScope({} as EntityManager, 'test');

class Batch {
  constructor(readonly ids: string[]) {}
}

describe('TransactionScope keep/find', () => {
  it('finds what was kept under a key, and nothing under a key nothing was kept under', () => {
    const tx = scope();
    const batch = new TransactionKey<Batch>('batch');
    expect(tx.find(batch)).toBeUndefined();
    const kept = new Batch(['a']);
    tx.keep(batch, kept);
    expect(tx.find(batch)).toBe(kept);
  });

  it('tells two keys with the same description apart', () => {
    const tx = scope();
    const first = new TransactionKey<Batch>('same');
    const second = new TransactionKey<Batch>('same');
    tx.keep(first, new Batch(['first']));
    expect(tx.find(second)).toBeUndefined();
    tx.keep(second, new Batch(['second']));
    expect(tx.find(first)?.ids).toEqual(['first']);
    expect(tx.find(second)?.ids).toEqual(['second']);
  });

  it('keeps what one transaction kept out of another', () => {
    const batch = new TransactionKey<Batch>('batch');
    const one = scope();
    one.keep(batch, new Batch(['one']));
    expect(scope().find(batch)).toBeUndefined();
  });

  it('lets the compiler refuse a value or a key of another type', () => {
    const tx = scope();
    const batch = new TransactionKey<Batch>('batch');
    const count = new TransactionKey<number>('count');
    // @ts-expect-error a number is no Batch
    tx.keep(batch, 1);
    // @ts-expect-error a key of numbers is no key of batches
    const wrong: TransactionKey<Batch> = count;
    // @ts-expect-error an object is no key (the class as key was the old way)
    tx.find(Batch);
    // At run time the scope trusts the compiler: these lines are here for tsc (npm run typecheck).
    expect(wrong).toBe(count);
    expect(tx.find(batch)).toBe(1);
  });
});

describe('TransactionScope insertWithEvents', () => {
  it('keeps the INSERTs in the order given until the unit of work drains them, once', () => {
    const tx = scope();
    const first = { sql: 'INSERT INTO a (x) VALUES ($1)', params: [1] };
    const second = { sql: '  insert into b (x) values ($1)', params: [2] };
    tx.insertWithEvents(first);
    tx.insertWithEvents(second);
    expect(tx.drainInserts()).toEqual([first, second]);
    expect(tx.drainInserts()).toEqual([]);
  });

  it('refuses anything but an INSERT: an UPDATE could meet another write to its row in the one statement', () => {
    const tx = scope();
    expect(() => tx.insertWithEvents({ sql: 'UPDATE a SET x = $1', params: [1] })).toThrow(TypeError);
    expect(() => tx.insertWithEvents({ sql: 'WITH n AS (SELECT 1) INSERT INTO a SELECT * FROM n', params: [] })).toThrow(TypeError);
    expect(tx.drainInserts()).toEqual([]);
  });
});
