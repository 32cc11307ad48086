/**
 * Exponential backoff with full jitter (a random delay between 0 and min(cap, base·2^attempt)): retries of
 * many callers spread out instead of hammering a throttled stream in lock-step.
 */
export interface BackoffPolicy {
  baseMs: number;
  capMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 50, capMs: 2_000 };

export function fullJitterDelay(attempt: number, policy: BackoffPolicy = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * ceiling);
}

export const sleep = (ms: number) => new Promise<void>((resolveSleep) => setTimeout(resolveSleep, ms));

/**
 * A sleep that can be cut short: `wait(ms)` resolves after `ms` or at the next `interrupt()`, whichever
 * comes first. The loops that pace themselves (shard readers, the polling relay, the relay's standby) wait
 * on one, and stopping them, or news that work arrived, interrupts it.
 */
export class Pause {
  private cut: (() => void) | null = null;

  wait(ms: number): Promise<void> {
    return new Promise((resolveWait) => {
      let timer: NodeJS.Timeout | undefined = undefined;
      const done = () => {
        clearTimeout(timer);
        if (this.cut === done) this.cut = null;
        resolveWait();
      };
      timer = setTimeout(done, ms);
      this.cut = done;
    });
  }

  /** Ends the wait in progress, if any. */
  interrupt(): void {
    this.cut?.();
  }
}
