import { DomainError } from '../ddd/domain-error';

/** No producer key, a malformed one, an unknown one or a revoked one (401). */
export class ProducerKeyUnauthorizedError extends DomainError {
  constructor(detail = 'POST /events needs `Authorization: Bearer <producer key>` with a valid, unrevoked key.') {
    super('EVENT_LOG.PRODUCER_KEY_UNAUTHORIZED', detail);
  }
}

/** A valid key without the scope the route needs: `publish` for POST /events, `read` for GET /events (403). */
export class ProducerKeyScopeForbiddenError extends DomainError {
  constructor(scope: string) {
    super('EVENT_LOG.SCOPE_FORBIDDEN', `This producer key does not have the ${JSON.stringify(scope)} scope.`);
  }
}

/** The key is valid but was not issued for the event's source, or the source is one of the app's own contexts (403). */
export class SourceForbiddenError extends DomainError {
  constructor(source: string) {
    super('EVENT_LOG.SOURCE_FORBIDDEN', `This producer key may not publish events of source ${JSON.stringify(source)}.`);
  }
}

/** The event's type is in the namespace of one of the app's own contexts (`orders.…`), which no producer may publish (403). */
export class TypeForbiddenError extends DomainError {
  constructor(type: string) {
    super('EVENT_LOG.TYPE_FORBIDDEN', `No producer may publish events of type ${JSON.stringify(type)}: its namespace belongs to one of this app's own contexts.`);
  }
}

/** The same `source` + `id` was already committed with another body (409): POST /events is idempotent only for the same event. */
export class DuplicateEventConflictError extends DomainError {
  constructor(source: string, id: string) {
    super('EVENT_LOG.DUPLICATE_EVENT_CONFLICT', `Event ${id} of source ${source} was already appended with another body.`);
  }
}
