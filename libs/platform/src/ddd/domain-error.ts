/**
 * An error the domain raises on purpose, with a stable code (`<CONTEXT>.<REASON>`). One HTTP filter maps
 * codes to problem+json statuses; the order saga maps them to rejection reasons.
 */
export class DomainError extends Error {
  constructor(readonly code: string, message: string, readonly details?: Record<string, unknown>) {
    super(message);
    this.name = new.target.name;
  }
}

/** Someone else changed the aggregate since it was loaded; the unit of work may be retried. */
export class ConcurrencyConflictError extends DomainError {
  constructor(aggregate: string, id: string) {
    super('PLATFORM.CONCURRENCY_CONFLICT', `${aggregate} ${id} was changed concurrently; try again.`);
  }
}
