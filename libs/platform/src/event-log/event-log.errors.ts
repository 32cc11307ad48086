import { DomainError } from '../ddd/domain-error';

/** `bytes` is known when the serialised event is already too large; the stored text is measured by PostgreSQL. */
export class EventTooLargeError extends DomainError {
  constructor(bytes: number | undefined, limit: number) {
    super(
      'EVENT_LOG.EVENT_TOO_LARGE',
      bytes === undefined
        ? `The event as published (its JSON as stored, numbers written out in full, plus its partition key) exceeds the ${limit} bytes a Kinesis record holds.`
        : `The event is ${bytes} bytes as published (with its partition key); a Kinesis record holds at most ${limit}.`,
    );
  }
}

/** The CHECK constraint that keeps every event-log row publishable as one Kinesis record. */
export const PUBLISHABLE_SIZE_CONSTRAINT = 'event_log_publishable_size';

/** True when `error` is PostgreSQL refusing a row for `PUBLISHABLE_SIZE_CONSTRAINT`. */
export function isPublishableSizeViolation(error: unknown): boolean {
  const e = error as { driverError?: { code?: string; constraint?: string }; code?: string; constraint?: string };
  const driver = e?.driverError ?? e;
  return driver?.code === '23514' && driver?.constraint === PUBLISHABLE_SIZE_CONSTRAINT;
}

export class EventNotFoundError extends DomainError {
  constructor(id: string) {
    super('EVENT_LOG.EVENT_NOT_FOUND', `No event with id ${id}.`);
  }
}
