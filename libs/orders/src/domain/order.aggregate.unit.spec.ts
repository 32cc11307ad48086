import { Order } from './order.aggregate';
import { InvalidOrderError, OrderAlreadyEndedError, OrderInvalidStateError } from './order.errors';

const now = new Date('2026-01-01T00:00:00Z');
const prices = new Map([['A', 250], ['B', 1_000]]);
const place = (lines = [{ sku: 'A', quantity: 2 }, { sku: 'B', quantity: 1 }], known = prices) =>
  Order.place({ id: 'o-1', userId: 'u-1', organizationId: 'org-1', lines }, known, now);
const placed = () => {
  const order = place();
  order.pullEvents();
  return order;
};

describe('Order', () => {
  it('prices each line from the known prices, totals them and records OrderPlaced', () => {
    const order = place();
    expect(order.snapshot()).toMatchObject({ status: 'PENDING', totalCents: 1_500, rejectionReason: null });
    expect(order.pullEvents()).toEqual([
      {
        name: 'OrderPlaced',
        aggregateId: 'o-1',
        data: {
          orderId: 'o-1',
          userId: 'u-1',
          organizationId: 'org-1',
          items: [{ sku: 'A', quantity: 2, unitPriceCents: 250 }, { sku: 'B', quantity: 1, unitPriceCents: 1_000 }],
          totalCents: 1_500,
          placedAt: now.toISOString(),
        },
      },
    ]);
  });

  it('keeps a null price for a sku it knows no price of, and names it as unpriced', () => {
    const order = place([{ sku: 'A', quantity: 1 }, { sku: 'NEW-1', quantity: 3 }]);
    expect(order.snapshot().items[1]).toEqual({ sku: 'NEW-1', quantity: 3, unitPriceCents: null });
    expect(order.snapshot().totalCents).toBe(250);
    expect(order.unpricedSkus).toEqual(['NEW-1']);
  });

  it.each([
    ['no items', []],
    ['101 items', Array.from({ length: 101 }, (_, i) => ({ sku: `S${i}`, quantity: 1 }))],
    ['a zero quantity', [{ sku: 'A', quantity: 0 }]],
    ['a fractional quantity', [{ sku: 'A', quantity: 1.5 }]],
    ['a quantity over 10^6', [{ sku: 'A', quantity: 1_000_001 }]],
    ['a sku given twice', [{ sku: 'A', quantity: 1 }, { sku: 'A', quantity: 2 }]],
    ['a sku that cannot exist', [{ sku: '-bad sku', quantity: 1 }]],
  ])('refuses an order with %s', (_what, lines) => {
    expect(() => place(lines as never)).toThrow(InvalidOrderError);
  });

  it('refuses a total beyond exact integers', () => {
    expect(() => place([{ sku: 'A', quantity: 1_000_000 }], new Map([['A', Number.MAX_SAFE_INTEGER]]))).toThrow(InvalidOrderError);
  });

  it('approves a pending order once and records OrderApproved with the total', () => {
    const order = placed();
    order.approve(now);
    expect(order.status).toBe('APPROVED');
    expect(order.pullEvents()).toEqual([{ name: 'OrderApproved', aggregateId: 'o-1', data: { orderId: 'o-1', totalCents: 1_500 } }]);
    expect(() => order.approve(now)).toThrow(OrderInvalidStateError);
  });

  it('rejects a pending order with its reason, and refuses to approve it afterwards', () => {
    const order = placed();
    order.reject('OUT_OF_STOCK', now);
    expect(order.snapshot()).toMatchObject({ status: 'REJECTED', rejectionReason: 'OUT_OF_STOCK' });
    expect(order.pullEvents()).toEqual([{ name: 'OrderRejected', aggregateId: 'o-1', data: { orderId: 'o-1', reason: 'OUT_OF_STOCK' } }]);
    expect(() => order.approve(now)).toThrow(OrderInvalidStateError);
  });

  it.each([['PENDING'], ['APPROVED']])('moves a %s order to CANCELLING, then CANCELLED, recording both events', (status) => {
    const order = placed();
    if (status === 'APPROVED') order.approve(now);
    order.pullEvents();
    expect(order.requestCancellation(now)).toBe(true);
    expect(order.status).toBe('CANCELLING');
    order.markCancelled(now);
    expect(order.status).toBe('CANCELLED');
    expect(order.pullEvents().map((e) => e.name)).toEqual(['OrderCancellationRequested', 'OrderCancelled']);
  });

  it('treats a second cancellation request as already done (no event)', () => {
    const order = placed();
    order.requestCancellation(now);
    order.pullEvents();
    expect(order.requestCancellation(now)).toBe(false);
    expect(order.pullEvents()).toEqual([]);
  });

  it('refuses to cancel a rejected or cancelled order with a conflict code', () => {
    const rejected = placed();
    rejected.reject('TIMEOUT', now);
    expect(() => rejected.requestCancellation(now)).toThrow(OrderAlreadyEndedError);
    const cancelled = placed();
    cancelled.requestCancellation(now);
    cancelled.markCancelled(now);
    expect(() => cancelled.requestCancellation(now)).toThrow(expect.objectContaining({ code: 'ORDERS.ORDER_ALREADY_CANCELLED' }));
  });

  it('never approves or rejects an order being cancelled, and never marks a pending order cancelled', () => {
    const order = placed();
    expect(() => order.markCancelled(now)).toThrow(OrderInvalidStateError);
    order.requestCancellation(now);
    expect(() => order.approve(now)).toThrow(OrderInvalidStateError);
    expect(() => order.reject('TIMEOUT', now)).toThrow(OrderInvalidStateError);
  });
});
