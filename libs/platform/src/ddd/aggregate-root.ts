/** A fact an aggregate records; the unit of work turns it into a CloudEvent of the aggregate's context. */
export interface RecordedEvent<T = unknown> {
  name: string;
  aggregateId: string;
  data: T;
}

/** Base of every aggregate: plain TypeScript, it only collects the events its methods record. */
export abstract class AggregateRoot<Id extends string = string> {
  private recorded: RecordedEvent[] = [];

  abstract get id(): Id;

  protected record<T>(name: string, data: T): void {
    this.recorded.push({ name, aggregateId: this.id, data });
  }

  /** Hands over the events recorded since the last call (the unit of work appends them). */
  pullEvents(): RecordedEvent[] {
    const events = this.recorded;
    this.recorded = [];
    return events;
  }
}
