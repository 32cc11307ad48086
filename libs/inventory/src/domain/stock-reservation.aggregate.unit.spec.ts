import { InvalidReservationError } from './product.errors';
import { Product } from './product.aggregate';
import { normaliseLines, StockReservation } from './stock-reservation.aggregate';

const now = new Date('2026-01-01T00:00:00Z');
const products = (...stock: Array<[string, number]>) =>
  new Map(stock.map(([sku, onHand]) => [sku, Product.create({ sku, name: sku, priceCents: 100, initialStock: onHand }, now)]));

describe('StockReservation', () => {
  it('reserves every line and records StockReserved keyed by the order id', () => {
    const stock = products(['A', 5], ['B', 2]);
    const reservation = StockReservation.place('order-1', [{ sku: 'B', quantity: 2 }, { sku: 'A', quantity: 1 }], stock, now);
    expect(stock.get('A')!.snapshot().reserved).toBe(1);
    expect(stock.get('B')!.snapshot().reserved).toBe(2);
    expect(reservation.pullEvents()).toEqual([
      { name: 'StockReserved', aggregateId: 'order-1', data: { orderId: 'order-1', lines: [{ sku: 'A', quantity: 1 }, { sku: 'B', quantity: 2 }] } },
    ]);
  });

  it('rejects with OUT_OF_STOCK and reserves nothing when one line is short', () => {
    const stock = products(['A', 5], ['B', 1]);
    const reservation = StockReservation.place('order-1', [{ sku: 'A', quantity: 1 }, { sku: 'B', quantity: 2 }], stock, now);
    expect([...stock.values()].map((p) => p.snapshot().reserved)).toEqual([0, 0]);
    expect(reservation.snapshot()).toMatchObject({ outcome: 'REJECTED', reason: 'OUT_OF_STOCK', skus: ['B'] });
    expect(reservation.pullEvents()[0]).toMatchObject({ name: 'StockReservationRejected', data: { orderId: 'order-1', reason: 'OUT_OF_STOCK', skus: ['B'] } });
  });

  it('rejects with UNKNOWN_PRODUCT before looking at stock', () => {
    const stock = products(['A', 0]);
    const reservation = StockReservation.place('order-1', [{ sku: 'A', quantity: 1 }, { sku: 'NOPE', quantity: 1 }], stock, now);
    expect(reservation.snapshot()).toMatchObject({ reason: 'UNKNOWN_PRODUCT', skus: ['NOPE'] });
  });

  it('sums repeated skus before checking stock', () => {
    expect(normaliseLines([{ sku: 'A', quantity: 2 }, { sku: 'A', quantity: 3 }])).toEqual([{ sku: 'A', quantity: 5 }]);
    const stock = products(['A', 4]);
    const reservation = StockReservation.place('o', [{ sku: 'A', quantity: 2 }, { sku: 'A', quantity: 3 }], stock, now);
    expect(reservation.snapshot().reason).toBe('OUT_OF_STOCK');
  });

  it.each([[[]], [undefined], [[{ sku: 'A', quantity: 0 }]], [[{ sku: 'A', quantity: -1 }]], [[{ sku: 'A', quantity: 1.5 }]], [[{ quantity: 1 }]]])(
    'refuses malformed lines %p',
    (lines) => {
      expect(() => StockReservation.place('o', lines, products(['A', 5]), now)).toThrow(InvalidReservationError);
    },
  );

  it('answers a repeated command with the first answer, reserving nothing more', () => {
    const stock = products(['A', 5]);
    const first = StockReservation.place('o', [{ sku: 'A', quantity: 2 }], stock, now);
    const firstEvents = first.pullEvents();
    const again = StockReservation.restore(first.snapshot());
    again.answerAgain();
    expect(again.pullEvents()).toEqual(firstEvents);
    expect(stock.get('A')!.snapshot().reserved).toBe(2);
  });

  it('releases the held stock once; a second release gives back nothing', () => {
    const stock = products(['A', 5]);
    const reservation = StockReservation.place('o', [{ sku: 'A', quantity: 2 }], stock, now);
    reservation.pullEvents();
    stock.get('A')!.reserve(1, now); // another order's reservation must survive
    reservation.release(stock, now);
    reservation.release(stock, now);
    expect(stock.get('A')!.snapshot().reserved).toBe(1);
    expect(reservation.pullEvents().map((e) => e.data)).toEqual([
      { orderId: 'o', lines: [{ sku: 'A', quantity: 2 }] },
      { orderId: 'o', lines: [] },
    ]);
  });

  it('releases nothing for a rejected reservation', () => {
    const stock = products(['A', 1]);
    const reservation = StockReservation.place('o', [{ sku: 'A', quantity: 2 }], stock, now);
    reservation.pullEvents();
    reservation.release(stock, now);
    expect(reservation.pullEvents()).toEqual([{ name: 'StockReleased', aggregateId: 'o', data: { orderId: 'o', lines: [] } }]);
  });
});
