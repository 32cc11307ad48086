import type { Lease } from './lease-store';

/**
 * Which leases a worker should try to take this round (KCL-style, docs/architecture.md §3.5): every readable lease that is
 * free or expired until the worker holds its fair share, and, when none is free, one lease of the busiest
 * worker if that one holds at least two more than this one. A child shard is readable only once all its
 * parents are finished (or gone from the table: trimmed), so a key's records are read in order across resharding.
 */
export function planLeaseTakes(leases: Lease[], me: string): Lease[] {
  const finished = new Set(leases.filter((l) => l.state === 'finished').map((l) => `${l.stream}/${l.shardId}`));
  const known = new Set(leases.map((l) => `${l.stream}/${l.shardId}`));
  const readable = leases.filter(
    (l) =>
      l.state === 'active' &&
      l.parentShardIds.every((p) => finished.has(`${l.stream}/${p}`) || !known.has(`${l.stream}/${p}`)),
  );
  if (readable.length === 0) return [];

  const counts = new Map<string, number>([[me, 0]]);
  for (const l of readable) {
    if (l.owner && (!l.expired || l.owner === me)) counts.set(l.owner, (counts.get(l.owner) ?? 0) + 1);
  }
  const target = Math.ceil(readable.length / counts.size);
  const mine = counts.get(me)!;
  if (mine >= target) return [];

  const free = readable.filter((l) => l.owner === null || (l.expired && l.owner !== me));
  if (free.length > 0) return shuffle(free).slice(0, target - mine);

  let busiest: string | null = null;
  for (const [owner, count] of counts) {
    if (owner !== me && (busiest === null || count > counts.get(busiest)!)) busiest = owner;
  }
  if (busiest === null || counts.get(busiest)! - mine < 2) return [];
  const victims = readable.filter((l) => l.owner === busiest);
  return shuffle(victims).slice(0, 1);
}

/** Workers racing for the same free leases would mostly collide on the same first one. */
function shuffle<T>(items: T[]): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy;
}
