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
