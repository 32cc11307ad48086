import { evolveOrderSummary, OrderSummary } from './order-summaries.projection';

const placed = {
  id: 'e1',
  type: 'orders.OrderPlaced',
  data: { orderId: 'o-1', userId: 'u-1', organizationId: 'org-1', items: [], totalCents: 900, placedAt: '2026-01-01T00:00:00.000Z' },
};

describe('order summaries projection', () => {
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
