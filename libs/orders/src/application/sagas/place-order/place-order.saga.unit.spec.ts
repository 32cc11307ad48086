import { decide, MAX_RELEASE_RESENDS, PlaceOrderDecision, PlaceOrderInput, PlaceOrderSagaState, PlaceOrderStep, sagaStatusOf, startPlaceOrder } from './place-order.saga';

const ORDER = { orderId: 'o-1', userId: 'u-1', organizationId: 'org-1', lines: [{ sku: 'A', quantity: 2 }], totalCents: 500, unpricedSkus: [] as string[] };

const reserveStock = { target: 'inventory', name: 'ReserveStock', data: { orderId: 'o-1', lines: [{ sku: 'A', quantity: 2 }] } };
const releaseStock = { target: 'inventory', name: 'ReleaseStock', data: { orderId: 'o-1' } };
const reserveCredit = { target: 'organizations', name: 'ReserveCredit', data: { orderId: 'o-1', organizationId: 'org-1', userId: 'u-1', amountCents: 500 } };
const releaseCredit = { target: 'organizations', name: 'ReleaseCredit', data: { orderId: 'o-1', organizationId: 'org-1' } };

const STOCK_RESERVED: PlaceOrderInput = { type: 'StockReserved' };
const OUT_OF_STOCK: PlaceOrderInput = { type: 'StockReservationRejected', reason: 'OUT_OF_STOCK' };
const STOCK_RELEASED: PlaceOrderInput = { type: 'StockReleased' };
const CREDIT_RESERVED: PlaceOrderInput = { type: 'CreditReserved' };
const CREDIT_EXCEEDED: PlaceOrderInput = { type: 'CreditReservationRejected', reason: 'CREDIT_LIMIT_EXCEEDED' };
const CREDIT_RELEASED: PlaceOrderInput = { type: 'CreditReleased' };
const CANCEL: PlaceOrderInput = { type: 'CancelRequested' };
const TIMEOUT: PlaceOrderInput = { type: 'DeadlinePassed' };
/** Every re-send of the releases, then the deadline that gives up. */
const GIVE_UP: PlaceOrderInput[] = Array.from({ length: MAX_RELEASE_RESENDS + 1 }, () => TIMEOUT);

/** Runs the saga from placement through `inputs`, returning the last decision. */
function run(inputs: PlaceOrderInput[], order = ORDER): PlaceOrderDecision {
  let decision = startPlaceOrder(order);
  for (const input of inputs) decision = decide(decision.state, input);
  return decision;
}
const stateAfter = (inputs: PlaceOrderInput[]): PlaceOrderSagaState => run(inputs).state;

/** Paths reaching each step, to try every input in every step. */
const PATHS: Record<PlaceOrderStep, PlaceOrderInput[]> = {
  RESERVING_STOCK: [],
  RESERVING_CREDIT: [STOCK_RESERVED],
  APPROVED: [STOCK_RESERVED, CREDIT_RESERVED],
  REJECTING: [STOCK_RESERVED, CREDIT_EXCEEDED],
  REJECTED: [OUT_OF_STOCK],
  CANCELLING: [STOCK_RESERVED, CREDIT_RESERVED, CANCEL],
  CANCELLED: [STOCK_RESERVED, CREDIT_RESERVED, CANCEL, STOCK_RELEASED, CREDIT_RELEASED],
  REJECTING_STUCK: [STOCK_RESERVED, CREDIT_EXCEEDED, ...GIVE_UP],
  CANCELLING_STUCK: [STOCK_RESERVED, CREDIT_RESERVED, CANCEL, ...GIVE_UP],
};

describe('place-order saga', () => {
  describe('happy path', () => {
    it('starts by asking the inventory for every line, waiting with a deadline', () => {
      const decision = startPlaceOrder(ORDER);
      expect(decision).toEqual({
        state: { ...ORDER, step: 'RESERVING_STOCK', stock: 'PENDING', credit: 'IDLE', rejectionReason: null },
        commands: [reserveStock],
        events: [],
        deadline: 'restart',
      });
      expect(sagaStatusOf(decision.state.step)).toBe('RUNNING');
    });

    it('asks for the order total on the organization credit once the stock is reserved, with a new deadline', () => {
      const decision = run([STOCK_RESERVED]);
      expect(decision.state).toMatchObject({ step: 'RESERVING_CREDIT', stock: 'RESERVED', credit: 'PENDING' });
      expect(decision.commands).toEqual([reserveCredit]);
      expect(decision.events).toEqual([]);
      expect(decision.deadline).toBe('restart');
    });

    it('approves once the credit is reserved, and waits for nothing more', () => {
      const decision = run([STOCK_RESERVED, CREDIT_RESERVED]);
      expect(decision.state).toMatchObject({ step: 'APPROVED', stock: 'RESERVED', credit: 'RESERVED' });
      expect(decision.commands).toEqual([]);
      expect(decision.events).toEqual([{ name: 'OrderApproved' }]);
      expect(decision.deadline).toBe('clear');
      expect(sagaStatusOf(decision.state.step)).toBe('COMPLETED');
    });
  });

  describe('rejections', () => {
    it.each([['OUT_OF_STOCK'], ['UNKNOWN_PRODUCT']] as const)('rejects with %s and releases nothing when the inventory refuses', (reason) => {
      const decision = run([{ type: 'StockReservationRejected', reason }]);
      expect(decision.state).toMatchObject({ step: 'REJECTED', stock: 'REJECTED', credit: 'IDLE', rejectionReason: reason });
      expect(decision.commands).toEqual([]);
      expect(decision.events).toEqual([{ name: 'OrderRejected', reason }]);
      expect(decision.deadline).toBe('clear');
      expect(sagaStatusOf(decision.state.step)).toBe('COMPENSATED');
    });

    it.each([['CREDIT_LIMIT_EXCEEDED'], ['CUSTOMER_NOT_ELIGIBLE']] as const)(
      'rejects with %s and releases the reserved stock when the organization refuses',
      (reason) => {
        const decision = run([STOCK_RESERVED, { type: 'CreditReservationRejected', reason }]);
        expect(decision.state).toMatchObject({ step: 'REJECTING', stock: 'RELEASING', credit: 'REJECTED', rejectionReason: reason });
        expect(decision.commands).toEqual([releaseStock]);
        expect(decision.events).toEqual([{ name: 'OrderRejected', reason }]);
        expect(sagaStatusOf(decision.state.step)).toBe('COMPENSATING');
      },
    );

    it('ends the rejection when the stock release is answered', () => {
      const decision = run([STOCK_RESERVED, CREDIT_EXCEEDED, STOCK_RELEASED]);
      expect(decision.state).toMatchObject({ step: 'REJECTED', stock: 'RELEASED', credit: 'REJECTED', rejectionReason: 'CREDIT_LIMIT_EXCEEDED' });
      expect(decision.events).toEqual([]);
      expect(decision.deadline).toBe('clear');
    });

    it('rejects with UNKNOWN_PRODUCT and releases the stock when the inventory reserved a sku the order has no price for', () => {
      const decision = run([STOCK_RESERVED], { ...ORDER, unpricedSkus: ['A'] });
      expect(decision.state).toMatchObject({ step: 'REJECTING', stock: 'RELEASING', credit: 'IDLE', rejectionReason: 'UNKNOWN_PRODUCT' });
      expect(decision.commands).toEqual([releaseStock]);
      expect(decision.events).toEqual([{ name: 'OrderRejected', reason: 'UNKNOWN_PRODUCT' }]);
    });
  });

  describe('timeouts in every step', () => {
    it('rejects with TIMEOUT while reserving stock and releases the stock it may yet get', () => {
      const decision = run([TIMEOUT]);
      expect(decision.state).toMatchObject({ step: 'REJECTING', stock: 'RELEASING', credit: 'IDLE', rejectionReason: 'TIMEOUT' });
      expect(decision.commands).toEqual([releaseStock]);
      expect(decision.events).toEqual([{ name: 'OrderRejected', reason: 'TIMEOUT' }]);
      expect(decision.deadline).toBe('restart');
    });

    it('rejects with TIMEOUT while reserving credit and releases stock and credit', () => {
      const decision = run([STOCK_RESERVED, TIMEOUT]);
      expect(decision.state).toMatchObject({ step: 'REJECTING', stock: 'RELEASING', credit: 'RELEASING', rejectionReason: 'TIMEOUT' });
      expect(decision.commands).toEqual([releaseStock, releaseCredit]);
      expect(decision.events).toEqual([{ name: 'OrderRejected', reason: 'TIMEOUT' }]);
    });

    it.each([
      ['REJECTING', [STOCK_RESERVED, CREDIT_EXCEEDED], [releaseStock]],
      ['CANCELLING', [STOCK_RESERVED, CREDIT_RESERVED, CANCEL], [releaseStock, releaseCredit]],
      ['CANCELLING with the stock already released', [STOCK_RESERVED, CREDIT_RESERVED, CANCEL, STOCK_RELEASED], [releaseCredit]],
    ] as const)('asks again for the releases still unanswered when %s times out, and keeps waiting', (_step, path, commands) => {
      const before = stateAfter([...path]);
      const decision = decide(before, TIMEOUT);
      expect(decision.state).toEqual({ ...before, releaseResends: 1 });
      expect(decision.commands).toEqual(commands);
      expect(decision.events).toEqual([]);
      expect(decision.deadline).toBe('restart');
    });

    it.each([['APPROVED'], ['REJECTED'], ['CANCELLED'], ['REJECTING_STUCK'], ['CANCELLING_STUCK']] as const)('changes nothing and waits for nothing when %s times out', (step) => {
      const before = stateAfter(PATHS[step]);
      expect(decide(before, TIMEOUT)).toEqual({ state: before, commands: [], events: [], deadline: 'clear' });
    });
  });

  describe('a compensation that is never answered (ADR 0010)', () => {
    it.each([
      ['REJECTING', [STOCK_RESERVED, CREDIT_EXCEEDED], [releaseStock], 'REJECTING_STUCK'],
      ['CANCELLING', [STOCK_RESERVED, CREDIT_RESERVED, CANCEL], [releaseStock, releaseCredit], 'CANCELLING_STUCK'],
    ] as const)('re-sends the releases of %s a bounded number of times, then stops for good as STUCK', (_step, path, releases, stuck) => {
      let decision = run([...path]);
      const sent: unknown[] = [];
      for (let i = 1; i <= MAX_RELEASE_RESENDS; i++) {
        decision = decide(decision.state, TIMEOUT);
        expect(decision).toMatchObject({ commands: releases, events: [], deadline: 'restart' });
        expect(decision.state.releaseResends).toBe(i);
        sent.push(...decision.commands);
      }
      expect(sent).toHaveLength(MAX_RELEASE_RESENDS * releases.length);
      const gaveUp = decide(decision.state, TIMEOUT);
      expect(gaveUp).toEqual({ state: { ...decision.state, step: stuck }, commands: [], events: [], deadline: 'clear' });
      expect(sagaStatusOf(gaveUp.state.step)).toBe('STUCK');
      // Nothing more is ever sent on its own: no deadline, and a stray one changes nothing.
      expect(decide(gaveUp.state, TIMEOUT)).toEqual({ state: gaveUp.state, commands: [], events: [], deadline: 'clear' });
    });

    it('ends REJECTED when the stuck release is answered at last (an operator retried its parked answer)', () => {
      const stuck = stateAfter(PATHS.REJECTING_STUCK);
      const decision = decide(stuck, STOCK_RELEASED);
      expect(decision.state).toMatchObject({ step: 'REJECTED', stock: 'RELEASED', rejectionReason: 'CREDIT_LIMIT_EXCEEDED' });
      expect(decision).toMatchObject({ commands: [], events: [], deadline: 'clear' });
      expect(sagaStatusOf(decision.state.step)).toBe('COMPENSATED');
      // Later copies of the answer (the re-sends' answers, parked behind it and retried with it) change nothing.
      expect(decide(decision.state, STOCK_RELEASED)).toEqual({ state: decision.state, commands: [], events: [], deadline: 'keep' });
    });

    it('ends CANCELLED, with OrderCancelled, once both stuck releases are answered', () => {
      const halfway = decide(stateAfter(PATHS.CANCELLING_STUCK), CREDIT_RELEASED);
      expect(halfway).toMatchObject({ state: { step: 'CANCELLING_STUCK', credit: 'RELEASED', stock: 'RELEASING' }, commands: [], events: [], deadline: 'keep' });
      const done = decide(halfway.state, STOCK_RELEASED);
      expect(done.state).toMatchObject({ step: 'CANCELLED', stock: 'RELEASED', credit: 'RELEASED' });
      expect(done.events).toEqual([{ name: 'OrderCancelled' }]);
      expect(done.deadline).toBe('clear');
    });

    it('still undoes a late reservation while stuck, without starting a deadline again', () => {
      const halfway = decide(stateAfter(PATHS.CANCELLING_STUCK), CREDIT_RELEASED);
      const decision = decide(halfway.state, CREDIT_RESERVED);
      expect(decision).toEqual({ state: { ...halfway.state, credit: 'RELEASING' }, commands: [releaseCredit], events: [], deadline: 'keep' });
    });

    it('counts the re-sends per compensation: a saga that was answered in time never gets stuck', () => {
      const decision = run([STOCK_RESERVED, CREDIT_EXCEEDED, TIMEOUT, TIMEOUT, STOCK_RELEASED]);
      expect(decision.state).toMatchObject({ step: 'REJECTED', releaseResends: 2 });
    });
  });

  describe('cancellation in every step', () => {
    it('releases the stock it asked for when cancelled while reserving stock', () => {
      const decision = run([CANCEL]);
      expect(decision.state).toMatchObject({ step: 'CANCELLING', stock: 'RELEASING', credit: 'IDLE' });
      expect(decision.commands).toEqual([releaseStock]);
      expect(decision.events).toEqual([{ name: 'OrderCancellationRequested' }]);
      expect(sagaStatusOf(decision.state.step)).toBe('COMPENSATING');
    });

    it('releases stock and credit when cancelled while reserving credit', () => {
      const decision = run([STOCK_RESERVED, CANCEL]);
      expect(decision.state).toMatchObject({ step: 'CANCELLING', stock: 'RELEASING', credit: 'RELEASING' });
      expect(decision.commands).toEqual([releaseStock, releaseCredit]);
    });

    it('releases stock and credit when an approved order is cancelled, then ends CANCELLED once both are answered', () => {
      const cancelling = run([STOCK_RESERVED, CREDIT_RESERVED, CANCEL]);
      expect(cancelling.commands).toEqual([releaseStock, releaseCredit]);
      expect(cancelling.events).toEqual([{ name: 'OrderCancellationRequested' }]);
      const halfway = decide(cancelling.state, CREDIT_RELEASED);
      expect(halfway.state).toMatchObject({ step: 'CANCELLING', credit: 'RELEASED', stock: 'RELEASING' });
      expect(halfway.events).toEqual([]);
      const done = decide(halfway.state, STOCK_RELEASED);
      expect(done.state).toMatchObject({ step: 'CANCELLED', stock: 'RELEASED', credit: 'RELEASED' });
      expect(done.events).toEqual([{ name: 'OrderCancelled' }]);
      expect(done.deadline).toBe('clear');
    });

    it.each([['CANCELLING'], ['REJECTING'], ['REJECTED'], ['CANCELLED'], ['REJECTING_STUCK'], ['CANCELLING_STUCK']] as const)('changes nothing when cancelled again in %s', (step) => {
      const before = stateAfter(PATHS[step]);
      expect(decide(before, CANCEL)).toEqual({ state: before, commands: [], events: [], deadline: 'keep' });
    });
  });

  describe('late replies (after a timeout or a cancellation)', () => {
    it('does not approve on a stock reservation that arrives after the timeout; the release already sent undoes it', () => {
      const decision = run([TIMEOUT, STOCK_RESERVED]);
      expect(decision.state).toMatchObject({ step: 'REJECTING', stock: 'RELEASING', credit: 'IDLE' });
      expect(decision.commands).toEqual([]);
      expect(decision.events).toEqual([]);
    });

    it('does not approve on a credit reservation that arrives after the timeout', () => {
      const decision = run([STOCK_RESERVED, TIMEOUT, CREDIT_RESERVED]);
      expect(decision.state).toMatchObject({ step: 'REJECTING', credit: 'RELEASING' });
      expect(decision.events).toEqual([]);
    });

    it('ends REJECTED after a late rejection and the release answer', () => {
      const decision = run([TIMEOUT, OUT_OF_STOCK, STOCK_RELEASED]);
      expect(decision.state).toMatchObject({ step: 'REJECTED', stock: 'RELEASED', rejectionReason: 'TIMEOUT' });
      expect(decision.events).toEqual([]);
    });

    it('releases again a reservation that arrives after the saga ended, without changing the ended order', () => {
      const ended = stateAfter([TIMEOUT, STOCK_RELEASED]);
      expect(ended.step).toBe('REJECTED');
      const decision = decide(ended, STOCK_RESERVED);
      expect(decision).toEqual({ state: ended, commands: [releaseStock], events: [], deadline: 'clear' });
      const cancelled = stateAfter(PATHS.CANCELLED);
      expect(decide(cancelled, CREDIT_RESERVED)).toEqual({ state: cancelled, commands: [releaseCredit], events: [], deadline: 'clear' });
    });

    it('releases again a reservation that arrives after its release was answered while the other release is pending', () => {
      const before = stateAfter([STOCK_RESERVED, TIMEOUT, STOCK_RELEASED]);
      expect(before).toMatchObject({ step: 'REJECTING', stock: 'RELEASED', credit: 'RELEASING' });
      const decision = decide(before, STOCK_RESERVED);
      expect(decision.state).toMatchObject({ step: 'REJECTING', stock: 'RELEASING' });
      expect(decision.commands).toEqual([releaseStock]);
    });

    it('ignores a late credit reservation and then a cancellation while rejecting', () => {
      const decision = run([STOCK_RESERVED, TIMEOUT, CREDIT_RESERVED, CANCEL]);
      expect(decision.state.step).toBe('REJECTING');
      expect(decision.events).toEqual([]);
    });
  });

  describe('duplicate replies', () => {
    it.each([
      ['StockReserved while reserving credit', [STOCK_RESERVED], STOCK_RESERVED],
      ['StockReserved after approval', PATHS.APPROVED, STOCK_RESERVED],
      ['CreditReserved after approval', PATHS.APPROVED, CREDIT_RESERVED],
      ['StockReservationRejected after the rejection', PATHS.REJECTED, OUT_OF_STOCK],
      ['CreditReservationRejected while compensating', PATHS.REJECTING, CREDIT_EXCEEDED],
      ['StockReleased after the rejection ended', [...PATHS.REJECTING, STOCK_RELEASED], STOCK_RELEASED],
      ['CreditReleased after the cancellation ended', PATHS.CANCELLED, CREDIT_RELEASED],
      ['StockReleased before any release was asked', [], STOCK_RELEASED],
      ['CreditReleased while approved', PATHS.APPROVED, CREDIT_RELEASED],
    ] as const)('changes nothing on a repeated or stray %s', (_what, path, input) => {
      const before = stateAfter([...path]);
      expect(decide(before, input)).toEqual({ state: before, commands: [], events: [], deadline: 'keep' });
    });

    it('sends every command once over a whole run with each reply delivered twice', () => {
      const inputs = [STOCK_RESERVED, STOCK_RESERVED, CREDIT_RESERVED, CREDIT_RESERVED];
      let decision = startPlaceOrder(ORDER);
      const commands = [...decision.commands];
      const events = [...decision.events];
      for (const input of inputs) {
        decision = decide(decision.state, input);
        commands.push(...decision.commands);
        events.push(...decision.events);
      }
      expect(commands).toEqual([reserveStock, reserveCredit]);
      expect(events).toEqual([{ name: 'OrderApproved' }]);
    });
  });

  it('maps every step to its runtime status', () => {
    const statuses = Object.fromEntries((Object.keys(PATHS) as PlaceOrderStep[]).map((s) => [s, sagaStatusOf(s)]));
    expect(statuses).toEqual({
      RESERVING_STOCK: 'RUNNING',
      RESERVING_CREDIT: 'RUNNING',
      APPROVED: 'COMPLETED',
      REJECTING: 'COMPENSATING',
      REJECTED: 'COMPENSATED',
      CANCELLING: 'COMPENSATING',
      CANCELLED: 'COMPENSATED',
      REJECTING_STUCK: 'STUCK',
      CANCELLING_STUCK: 'STUCK',
    });
    for (const [step, path] of Object.entries(PATHS)) expect(stateAfter(path).step).toBe(step);
  });
});
