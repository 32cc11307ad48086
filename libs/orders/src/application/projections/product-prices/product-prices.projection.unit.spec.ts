import { evolveProductPrice } from './product-prices.projection';

describe('product prices projection', () => {
  it('keeps the latest price of a sku from ProductCreated and ProductPriceChanged, recording the event', () => {
    const created = evolveProductPrice(null, { id: 'e1', type: 'inventory.ProductCreated', data: { sku: 'A', name: 'W', priceCents: 100, initialStock: 1 } });
    expect(created).toEqual({ sku: 'A', priceCents: 100, lastEventId: 'e1' });
    expect(evolveProductPrice(created, { id: 'e2', type: 'inventory.ProductPriceChanged', data: { sku: 'A', priceCents: 120 } })).toEqual({ sku: 'A', priceCents: 120, lastEventId: 'e2' });
    expect(evolveProductPrice(created, { id: 'e3', type: 'inventory.StockAdded', data: { sku: 'A', quantity: 1, onHand: 2 } })).toBe(created);
  });
});
