import { InvalidProductError, OutOfStockError } from './product.errors';
import { MAX_STOCK, Product } from './product.aggregate';

const now = new Date('2026-01-01T00:00:00Z');
const create = (overrides: Partial<Parameters<typeof Product.create>[0]> = {}) =>
  Product.create({ sku: 'SKU-1', name: ' Widget ', priceCents: 1250, initialStock: 5, ...overrides }, now);

describe('Product', () => {
  it('is created with its stock on hand, nothing reserved, and records ProductCreated', () => {
    const product = create();
    expect(product.snapshot()).toMatchObject({ sku: 'SKU-1', name: 'Widget', priceCents: 1250, onHand: 5, reserved: 0 });
    expect(product.pullEvents()).toEqual([
      { name: 'ProductCreated', aggregateId: 'SKU-1', data: { sku: 'SKU-1', name: 'Widget', priceCents: 1250, initialStock: 5 } },
    ]);
  });

  it('starts with no stock when initialStock is not given', () => {
    expect(create({ initialStock: undefined }).snapshot().onHand).toBe(0);
  });

  it.each([
    ['a blank sku', { sku: '' }],
    ['a sku with spaces', { sku: 'A B' }],
    ['a blank name', { name: '  ' }],
    ['a negative price', { priceCents: -1 }],
    ['a fractional price', { priceCents: 1.5 }],
    ['a negative initial stock', { initialStock: -1 }],
    ['a fractional initial stock', { initialStock: 0.5 }],
    ['an initial stock over the maximum', { initialStock: MAX_STOCK + 1 }],
  ])('refuses %s', (_what, overrides) => {
    expect(() => create(overrides)).toThrow(InvalidProductError);
  });

  it('records ProductRenamed and ProductPriceChanged only when something really changes', () => {
    const product = create();
    product.pullEvents();
    product.rename('Widget', now);
    product.changePrice(1250, now);
    expect(product.pullEvents()).toEqual([]);
    product.rename('Gadget', now);
    product.changePrice(999, now);
    expect(product.pullEvents()).toEqual([
      { name: 'ProductRenamed', aggregateId: 'SKU-1', data: { sku: 'SKU-1', name: 'Gadget' } },
      { name: 'ProductPriceChanged', aggregateId: 'SKU-1', data: { sku: 'SKU-1', priceCents: 999 } },
    ]);
  });

  it('restocks by a positive quantity and records StockAdded with the new stock on hand', () => {
    const product = create();
    product.pullEvents();
    product.restock(7, now);
    expect(product.pullEvents()).toEqual([{ name: 'StockAdded', aggregateId: 'SKU-1', data: { sku: 'SKU-1', quantity: 7, onHand: 12 } }]);
  });

  it.each([[0], [-3], [1.5], [MAX_STOCK]])('refuses to restock by %p', (quantity) => {
    expect(() => create().restock(quantity, now)).toThrow(InvalidProductError);
  });

  it('reserves up to what is available and refuses more with OUT_OF_STOCK', () => {
    const product = create();
    product.reserve(3, now);
    expect(product.available).toBe(2);
    expect(() => product.reserve(3, now)).toThrow(OutOfStockError);
    expect(product.snapshot()).toMatchObject({ onHand: 5, reserved: 3 });
  });

  it('never releases more than is reserved', () => {
    const product = create();
    product.reserve(2, now);
    product.release(5, now);
    expect(product.snapshot()).toMatchObject({ onHand: 5, reserved: 0 });
  });
});
