import { AggregateRoot } from '@eda/platform/ddd';
import type { ProductCreatedData, ProductPriceChangedData, ProductRenamedData, StockAddedData } from '@eda/contracts';
import { InvalidProductError, OutOfStockError } from './product.errors';

export interface ProductState {
  sku: string;
  name: string;
  priceCents: number;
  onHand: number;
  reserved: number;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

const SKU = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
/** Keeps stock arithmetic exact in a JavaScript number and inside PostgreSQL bigint. */
export const MAX_STOCK = 1_000_000_000_000;

export function isValidSku(sku: string): boolean {
  return SKU.test(sku);
}

function requireName(name: string): string {
  const trimmed = name.trim();
  if (trimmed.length === 0 || trimmed.length > 200) throw new InvalidProductError('name must have 1 to 200 characters.');
  return trimmed;
}

function requireCents(field: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) throw new InvalidProductError(`${field} must be a non-negative integer (minor units).`);
  return value;
}

function requireQuantity(field: string, value: number, min: number): number {
  if (!Number.isSafeInteger(value) || value < min || value > MAX_STOCK) {
    throw new InvalidProductError(`${field} must be an integer from ${min} to ${MAX_STOCK}.`);
  }
  return value;
}

/** A product and its stock: `onHand` physically present, `reserved` promised to orders, never more than on hand. */
export class Product extends AggregateRoot {
  private constructor(private state: ProductState) {
    super();
  }

  static create(input: { sku: string; name: string; priceCents: number; initialStock?: number }, now: Date): Product {
    if (!isValidSku(input.sku)) throw new InvalidProductError('sku must be 1 to 64 letters, digits, _ . - (not first).');
    const product = new Product({
      sku: input.sku,
      name: requireName(input.name),
      priceCents: requireCents('priceCents', input.priceCents),
      onHand: requireQuantity('initialStock', input.initialStock ?? 0, 0),
      reserved: 0,
      version: 0,
      createdAt: now,
      updatedAt: now,
    });
    product.record<ProductCreatedData>('ProductCreated', {
      sku: product.id,
      name: product.state.name,
      priceCents: product.state.priceCents,
      initialStock: product.state.onHand,
    });
    return product;
  }

  static restore(state: ProductState): Product {
    return new Product({ ...state });
  }

  get id(): string {
    return this.state.sku;
  }

  get available(): number {
    return this.state.onHand - this.state.reserved;
  }

  snapshot(): Readonly<ProductState> {
    return { ...this.state };
  }

  /** Records nothing when the name is already so. */
  rename(name: string, now: Date): void {
    const trimmed = requireName(name);
    if (trimmed === this.state.name) return;
    this.state = { ...this.state, name: trimmed, updatedAt: now };
    this.record<ProductRenamedData>('ProductRenamed', { sku: this.id, name: trimmed });
  }

  /** Records nothing when the price is already so. */
  changePrice(priceCents: number, now: Date): void {
    requireCents('priceCents', priceCents);
    if (priceCents === this.state.priceCents) return;
    this.state = { ...this.state, priceCents, updatedAt: now };
    this.record<ProductPriceChangedData>('ProductPriceChanged', { sku: this.id, priceCents });
  }

  restock(quantity: number, now: Date): void {
    requireQuantity('quantity', quantity, 1);
    if (this.state.onHand + quantity > MAX_STOCK) throw new InvalidProductError(`stock on hand may not exceed ${MAX_STOCK}.`);
    this.state = { ...this.state, onHand: this.state.onHand + quantity, updatedAt: now };
    this.record<StockAddedData>('StockAdded', { sku: this.id, quantity, onHand: this.state.onHand });
  }

  /** Promises `quantity` to an order; the reservation, not the product, records the event. */
  reserve(quantity: number, now: Date): void {
    requireQuantity('quantity', quantity, 1);
    if (quantity > this.available) throw new OutOfStockError(this.id, quantity, this.available);
    this.state = { ...this.state, reserved: this.state.reserved + quantity, updatedAt: now };
  }

  /** Gives back at most what is reserved, so a stray release can never drive `reserved` negative. */
  release(quantity: number, now: Date): void {
    requireQuantity('quantity', quantity, 1);
    this.state = { ...this.state, reserved: Math.max(0, this.state.reserved - quantity), updatedAt: now };
  }
}
