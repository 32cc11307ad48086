import { evolveOrderSummary, OrderSummary } from './order-summaries/order-summaries.projection';
import { partyNameOf } from './party-names/party-names.projection';
import { evolveProductPrice } from './product-prices/product-prices.projection';

const placed = {
  id: 'e1',
  type: 'orders.OrderPlaced',
  data: { orderId: 'o-1', userId: 'u-1', organizationId: 'org-1', items: [], totalCents: 900, placedAt: '2026-01-01T00:00:00.000Z' },
};

describe('orders read models', () => {
  it('keeps the latest price of a sku from ProductCreated and ProductPriceChanged, recording the event', () => {
    const created = evolveProductPrice(null, { id: 'e1', type: 'inventory.ProductCreated', data: { sku: 'A', name: 'W', priceCents: 100, initialStock: 1 } });
    expect(created).toEqual({ sku: 'A', priceCents: 100, lastEventId: 'e1' });
    expect(evolveProductPrice(created, { id: 'e2', type: 'inventory.ProductPriceChanged', data: { sku: 'A', priceCents: 120 } })).toEqual({ sku: 'A', priceCents: 120, lastEventId: 'e2' });
    expect(evolveProductPrice(created, { id: 'e3', type: 'inventory.StockAdded', data: { sku: 'A', quantity: 1, onHand: 2 } })).toBe(created);
  });

  it('names a user by first and last name and an organization by its name', () => {
    expect(partyNameOf({ id: 'e1', type: 'users.UserRegistered', data: { userId: 'u-1', email: 'a@b.c', username: 'ada', firstName: 'Ada', lastName: 'Lovelace' } })).toEqual({
      table: 'user_names', id: 'u-1', name: 'Ada Lovelace', lastEventId: 'e1',
    });
    expect(partyNameOf({ id: 'e2', type: 'users.UserProfileUpdated', data: { userId: 'u-1', firstName: 'Ada', lastName: 'King' } })).toMatchObject({ name: 'Ada King' });
    expect(partyNameOf({ id: 'e3', type: 'organizations.OrganizationRenamed', data: { organizationId: 'org-1', name: 'Acme Ltd' } })).toEqual({
      table: 'organization_names', id: 'org-1', name: 'Acme Ltd', lastEventId: 'e3',
    });
    expect(partyNameOf({ id: 'e4', type: 'users.UserDeactivated', data: { userId: 'u-1' } })).toBeNull();
  });

  it('creates an order summary as PENDING from OrderPlaced and follows the order status through its events', () => {
    let row = evolveOrderSummary(null, placed) as OrderSummary;
    expect(row).toEqual({ orderId: 'o-1', userId: 'u-1', organizationId: 'org-1', totalCents: 900, status: 'PENDING', placedAt: '2026-01-01T00:00:00.000Z', lastEventId: 'e1' });
    for (const [type, status] of [['orders.OrderApproved', 'APPROVED'], ['orders.OrderCancellationRequested', 'CANCELLING'], ['orders.OrderCancelled', 'CANCELLED']]) {
      row = evolveOrderSummary(row, { id: type, type, data: { orderId: 'o-1' } }) as OrderSummary;
      expect(row).toMatchObject({ status, lastEventId: type });
    }
  });

  it('creates no summary from a status event of an order it never saw placed, and never re-creates a placed one', () => {
    expect(evolveOrderSummary(null, { id: 'e2', type: 'orders.OrderRejected', data: { orderId: 'o-1', reason: 'TIMEOUT' } })).toBeNull();
    const row = evolveOrderSummary(null, placed) as OrderSummary;
    const approved = evolveOrderSummary(row, { id: 'e2', type: 'orders.OrderApproved', data: { orderId: 'o-1' } });
    expect(evolveOrderSummary(approved, placed)).toBe(approved);
  });
});
