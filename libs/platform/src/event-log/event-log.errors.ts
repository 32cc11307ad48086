import { DomainError } from '../ddd/domain-error';

export class EventTooLargeError extends DomainError {
  constructor(bytes: number, limit: number) {
    super('EVENT_LOG.EVENT_TOO_LARGE', `The event is ${bytes} bytes; a Kinesis record holds at most ${limit}.`);
  }
}

export class DuplicateEventConflictError extends DomainError {
  constructor(source: string, id: string) {
    super('EVENT_LOG.DUPLICATE_EVENT_CONFLICT', `Event ${id} of source ${source} was already appended with another body.`);
  }
}

export class EventNotFoundError extends DomainError {
  constructor(id: string) {
    super('EVENT_LOG.EVENT_NOT_FOUND', `No event with id ${id}.`);
  }
}
