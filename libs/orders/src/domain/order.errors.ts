import { DomainError } from '@eda/platform/ddd';

export class OrderNotFoundError extends DomainError {
  constructor(id: string) {
    super('ORDERS.ORDER_NOT_FOUND', `Order ${id} does not exist.`);
  }
}

export class InvalidOrderError extends DomainError {
  constructor(message: string) {
    super('ORDERS.INVALID_ORDER', message);
  }
}

/** Cancelling an order that already ended (REJECTED or CANCELLED): a state conflict (409). */
export class OrderAlreadyEndedError extends DomainError {
  constructor(id: string, status: 'REJECTED' | 'CANCELLED') {
    super(`ORDERS.ORDER_ALREADY_${status}`, `Order ${id} is already ${status.toLowerCase()} and cannot be cancelled.`);
  }
}

/** A transition the order's state does not allow (a saga decision out of order): a state conflict. */
export class OrderInvalidStateError extends DomainError {
  constructor(id: string, status: string, action: string) {
    super('ORDERS.ORDER_INVALID_STATE', `Order ${id} is ${status}; it cannot be ${action}.`);
  }
}

/** The same Idempotency-Key with another request body (409). */
export class IdempotencyKeyConflictError extends DomainError {
  constructor() {
    super('ORDERS.IDEMPOTENCY_KEY_CONFLICT', 'This Idempotency-Key was used with another request body.');
  }
}
