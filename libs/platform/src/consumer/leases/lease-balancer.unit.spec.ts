import { planLeaseTakes } from './lease-balancer';
import type { Lease } from './lease-store';

function lease(shardId: string, owner: string | null, extra: Partial<Lease> = {}): Lease {
  return { stream: 's', shardId, owner, counter: 1, expired: false, checkpoint: 'TRIM_HORIZON', parentShardIds: [], state: 'active', millisBehindLatest: null, createdAt: '2025-01-01 00:00:00+00', streamResetAt: null, ...extra };
}

describe('planLeaseTakes', () => {
  it('takes free and expired leases up to the fair share', () => {
    const taken = planLeaseTakes([lease('a', null), lease('b', 'w1', { expired: true }), lease('c', 'w2'), lease('d', 'w2')], 'w3');
    // Workers alive: w2 and w3 (w1 expired) → 2 each; w3 has none and two are free.
    expect(taken.map((l) => l.shardId).sort()).toEqual(['a', 'b']);
  });

  it('steals one lease from the busiest worker when it holds two more than this one', () => {
    const taken = planLeaseTakes([lease('a', 'w1'), lease('b', 'w1'), lease('c', 'w2'), lease('d', 'w2')], 'w3');
    expect(taken).toHaveLength(1);
    expect(['w1', 'w2']).toContain(taken[0].owner);
  });

  it('does not steal when the spread is one lease at most', () => {
    expect(planLeaseTakes([lease('a', 'w1'), lease('b', 'w1'), lease('c', 'w2'), lease('d', 'w3')], 'w3')).toEqual([]);
  });

  it('leaves a child shard alone until every parent is finished', () => {
    const leases = [
      lease('p1', null, { state: 'finished' }),
      lease('p2', 'w1'),
      lease('child', null, { parentShardIds: ['p1', 'p2'] }),
    ];
    expect(planLeaseTakes(leases, 'w2').map((l) => l.shardId)).not.toContain('child');
    leases[1] = lease('p2', null, { state: 'finished' });
    expect(planLeaseTakes(leases, 'w2').map((l) => l.shardId)).toEqual(['child']);
  });

  it('reads a child whose parents were trimmed from the table', () => {
    expect(planLeaseTakes([lease('child', null, { parentShardIds: ['gone'] })], 'w1').map((l) => l.shardId)).toEqual(['child']);
  });
});
