export interface GatheringOptions<T> {
  /** Sends at once; what arrives while this many run waits for one of them to end. */
  maxInFlight: number;
  /** Sends a batch and settles every item of it itself: it must not reject. */
  send: (batch: T[]) => Promise<void>;
  /**
   * Splits what waits, oldest first, into the next batch and what keeps waiting (default: all of it goes). An
   * empty batch means nothing may go now; what kept waiting goes when a send ends.
   */
  take?: (waiting: T[]) => { batch: T[]; rest: T[] };
}

/**
 * The queue behind group commit and shared reads: items that arrive while `maxInFlight` sends are running wait,
 * and leave together when one ends. A lone item goes on the next turn of the event loop, with whatever else
 * arrived in that turn: there is no timer, so batching costs no wait when nothing queues. An item never joins a
 * send that began before it arrived.
 */
export class Gathering<T> {
  private waiting: T[] = [];
  private inFlight = 0;
  private scheduled = false;

  constructor(private readonly options: GatheringOptions<T>) {}

  add(item: T): void {
    this.waiting.push(item);
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight >= this.options.maxInFlight || this.waiting.length === 0) return;
    this.scheduled = true;
    // After this turn's I/O callbacks: what was read in the same turn leaves together.
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    while (this.inFlight < this.options.maxInFlight && this.waiting.length > 0) {
      const { batch, rest } = this.options.take ? this.options.take(this.waiting) : { batch: this.waiting, rest: [] };
      this.waiting = rest;
      if (batch.length === 0) return;
      this.inFlight++;
      void this.options.send(batch).finally(() => {
        this.inFlight--;
        this.schedule();
      });
    }
  }
}
