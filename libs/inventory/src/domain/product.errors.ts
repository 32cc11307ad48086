import { DomainError } from '@eda/platform/ddd';

export class ProductNotFoundError extends DomainError {
  constructor(sku: string) {
    super('INVENTORY.PRODUCT_NOT_FOUND', `Product ${sku} does not exist.`);
  }
}

export class SkuTakenError extends DomainError {
  constructor(sku: string) {
    super('INVENTORY.SKU_TAKEN', `The sku ${sku} is already taken.`);
  }
}

export class InvalidProductError extends DomainError {
  constructor(message: string) {
    super('INVENTORY.INVALID_PRODUCT', message);
  }
}

/** Raised by Product.reserve; a stock reservation turns it into a rejection with OUT_OF_STOCK. */
export class OutOfStockError extends DomainError {
  constructor(sku: string, requested: number, available: number) {
    super('INVENTORY.OUT_OF_STOCK', `Product ${sku} has ${available} available, ${requested} requested.`, { sku, requested, available });
  }
}

/** A malformed ReserveStock command (no lines, a non-positive quantity): it cannot be answered, only parked. */
export class InvalidReservationError extends DomainError {
  constructor(message: string) {
    super('INVENTORY.INVALID_RESERVATION', message);
  }
}
