import { type CloudEvent, ShardPosition, TransactionScope, UnitOfWork } from '@eda/platform';

/** Notes when each delivery's transaction (inbox row + effect) has committed, per handler: the end of the measured path. */
export class TimedUnitOfWork extends UnitOfWork {
  /** Handler → message id → when its effect committed (performance.now()). */
  readonly appliedAt = new Map<string, Map<string, number>>();

  appliedBy(handler: string): Map<string, number> {
    let applied = this.appliedAt.get(handler);
    if (!applied) this.appliedAt.set(handler, (applied = new Map()));
    return applied;
  }

  override async runOnce(handler: string, message: CloudEvent, work: (tx: TransactionScope) => Promise<void>, position?: ShardPosition): Promise<boolean> {
    const applied = await super.runOnce(handler, message, work, position);
    if (applied) this.appliedBy(handler).set(message.id, performance.now());
    return applied;
  }

  override async runBatch(handler: string, messages: CloudEvent[], work: (message: CloudEvent, tx: TransactionScope) => Promise<void>, position?: ShardPosition, options?: Parameters<UnitOfWork['runBatch']>[4]): Promise<boolean[]> {
    const applied = await super.runBatch(handler, messages, work, position, options);
    const now = performance.now();
    applied.forEach((wasApplied, i) => wasApplied && this.appliedBy(handler).set(messages[i].id, now));
    return applied;
  }
}

export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
