import { decide, MAX_RELEASE_RESENDS, PlaceOrderDecision, PlaceOrderInput, PlaceOrderSagaState, PlaceOrderStep, sagaStatusOf, startPlaceOrder } from './place-order.saga';

const ORDER = { orderId: 'o-1', userId: 'u-1', organizationId: 'org-1', lines: [{ sku: 'A', quantity: 2 }], totalCents: 500, unpricedSkus: [] as string[] };
const UNPRICED = { ...ORDER, unpricedSkus: ['A'] };

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

/**
 * A row as the sequential saga (before ADR 0016) stored it at placement: stock asked, credit not yet. Rows
 * like it may still be in flight when the new version starts, and must finish as they began.
 */
const LEGACY_RESERVING_STOCK: PlaceOrderSagaState = { ...ORDER, step: 'RESERVING_STOCK', stock: 'PENDING', credit: 'IDLE', rejectionReason: null };
/** …and one it stored once the stock was reserved: credit asked. */
const LEGACY_RESERVING_CREDIT: PlaceOrderSagaState = { ...ORDER, step: 'RESERVING_CREDIT', stock: 'RESERVED', credit: 'PENDING', rejectionReason: null };

/** Feeds `inputs` to the saga from `start`, returning the last decision. */
function from(start: PlaceOrderDecision | PlaceOrderSagaState, inputs: PlaceOrderInput[]): PlaceOrderDecision {
  let decision: PlaceOrderDecision = 'state' in start ? start : { state: start, commands: [], events: [], deadline: 'keep' };
  for (const input of inputs) decision = decide(decision.state, input);
  return decision;
}
/** Runs the saga from placement through `inputs`, returning the last decision. */
const run = (inputs: PlaceOrderInput[], order = ORDER): PlaceOrderDecision => from(startPlaceOrder(order), inputs);
const stateAfter = (inputs: PlaceOrderInput[]): PlaceOrderSagaState => run(inputs).state;

/** A state in each step, to try every input in every step. */
const STATES: Record<PlaceOrderStep, () => PlaceOrderSagaState> = {
  RESERVING: () => stateAfter([]),
  RESERVING_STOCK: () => LEGACY_RESERVING_STOCK,
  RESERVING_CREDIT: () => LEGACY_RESERVING_CREDIT,
  APPROVED: () => stateAfter([STOCK_RESERVED, CREDIT_RESERVED]),
  REJECTING: () => stateAfter([STOCK_RESERVED, CREDIT_EXCEEDED]),
  REJECTED: () => stateAfter([OUT_OF_STOCK, CREDIT_RELEASED]),
  CANCELLING: () => stateAfter([STOCK_RESERVED, CREDIT_RESERVED, CANCEL]),
  CANCELLED: () => stateAfter([STOCK_RESERVED, CREDIT_RESERVED, CANCEL, STOCK_RELEASED, CREDIT_RELEASED]),
  REJECTING_STUCK: () => stateAfter([STOCK_RESERVED, CREDIT_EXCEEDED, ...GIVE_UP]),
  CANCELLING_STUCK: () => stateAfter([STOCK_RESERVED, CREDIT_RESERVED, CANCEL, ...GIVE_UP]),
};

describe('place-order saga', () => {
  describe('happy path: stock and credit at once (ADR 0016)', () => {
    it('starts by asking the inventory for every line and the organization for the total at once, waiting with a deadline', () => {
      const decision = startPlaceOrder(ORDER);
      expect(decision).toEqual({
        state: { ...ORDER, step: 'RESERVING', stock: 'PENDING', credit: 'PENDING', rejectionReason: null },
        commands: [reserveStock, reserveCredit],
        events: [],
        deadline: 'restart',
      });
      expect(sagaStatusOf(decision.state.step)).toBe('RUNNING');
    });

    it.each([
      ['stock first', STOCK_RESERVED, CREDIT_RESERVED, { stock: 'RESERVED', credit: 'PENDING' }],
      ['credit first', CREDIT_RESERVED, STOCK_RESERVED, { stock: 'PENDING', credit: 'RESERVED' }],
    ] as const)('approves once both are reserved, %s: the first answer only waits, under the same deadline', (_order, first, second, halfway) => {
      const waiting = run([first]);
      expect(waiting).toEqual({ state: { ...stateAfter([]), ...halfway }, commands: [], events: [], deadline: 'keep' });
      expect(sagaStatusOf(waiting.state.step)).toBe('RUNNING');
      const approved = decide(waiting.state, second);
      expect(approved.state).toMatchObject({ step: 'APPROVED', stock: 'RESERVED', credit: 'RESERVED', rejectionReason: null });
      expect(approved.commands).toEqual([]);
      expect(approved.events).toEqual([{ name: 'OrderApproved' }]);
      expect(approved.deadline).toBe('clear');
      expect(sagaStatusOf(approved.state.step)).toBe('COMPLETED');
    });
  });

  describe('an order with a sku it could not price', () => {
    it('asks the inventory only: a total it does not know is never put on the credit', () => {
      const decision = startPlaceOrder(UNPRICED);
      expect(decision).toEqual({
        state: { ...UNPRICED, step: 'RESERVING_STOCK', stock: 'PENDING', credit: 'IDLE', rejectionReason: null },
        commands: [reserveStock],
        events: [],
        deadline: 'restart',
      });
    });

    it('rejects with UNKNOWN_PRODUCT and releases the stock when the inventory reserved it', () => {
      const decision = run([STOCK_RESERVED], UNPRICED);
      expect(decision.state).toMatchObject({ step: 'REJECTING', stock: 'RELEASING', credit: 'IDLE', rejectionReason: 'UNKNOWN_PRODUCT' });
      expect(decision.commands).toEqual([releaseStock]);
      expect(decision.events).toEqual([{ name: 'OrderRejected', reason: 'UNKNOWN_PRODUCT' }]);
      expect(from(decision, [STOCK_RELEASED]).state).toMatchObject({ step: 'REJECTED', credit: 'IDLE' });
    });

    it('rejects with UNKNOWN_PRODUCT and releases nothing when the inventory does not know the sku either', () => {
      const decision = run([{ type: 'StockReservationRejected', reason: 'UNKNOWN_PRODUCT' }], UNPRICED);
      expect(decision).toMatchObject({ commands: [], events: [{ name: 'OrderRejected', reason: 'UNKNOWN_PRODUCT' }], deadline: 'clear' });
      expect(decision.state).toMatchObject({ step: 'REJECTED', stock: 'REJECTED', credit: 'IDLE' });
    });
  });

  describe('rejections: a refused leg releases the other, pending or reserved', () => {
    it.each([
      ['OUT_OF_STOCK', 'credit still pending', [], { type: 'StockReservationRejected', reason: 'OUT_OF_STOCK' }, { stock: 'REJECTED', credit: 'RELEASING' }, [releaseCredit]],
      ['UNKNOWN_PRODUCT', 'credit already reserved', [CREDIT_RESERVED], { type: 'StockReservationRejected', reason: 'UNKNOWN_PRODUCT' }, { stock: 'REJECTED', credit: 'RELEASING' }, [releaseCredit]],
      ['CREDIT_LIMIT_EXCEEDED', 'stock still pending', [], { type: 'CreditReservationRejected', reason: 'CREDIT_LIMIT_EXCEEDED' }, { stock: 'RELEASING', credit: 'REJECTED' }, [releaseStock]],
      ['CUSTOMER_NOT_ELIGIBLE', 'stock already reserved', [STOCK_RESERVED], { type: 'CreditReservationRejected', reason: 'CUSTOMER_NOT_ELIGIBLE' }, { stock: 'RELEASING', credit: 'REJECTED' }, [releaseStock]],
    ] as const)('rejects with %s, the %s, and releases it', (reason, _other, before, refusal, legs, commands) => {
      const decision = run([...before, refusal]);
      expect(decision.state).toMatchObject({ step: 'REJECTING', ...legs, rejectionReason: reason });
      expect(decision.commands).toEqual(commands);
      expect(decision.events).toEqual([{ name: 'OrderRejected', reason }]);
      expect(decision.deadline).toBe('restart');
      expect(sagaStatusOf(decision.state.step)).toBe('COMPENSATING');
    });

    it.each([
      ['stock', [STOCK_RESERVED, CREDIT_EXCEEDED], STOCK_RELEASED],
      ['credit', [OUT_OF_STOCK], CREDIT_RELEASED],
    ] as const)('ends the rejection when the %s release is answered (nothing held any more)', (_leg, path, answer) => {
      const decision = run([...path, answer]);
      expect(decision.state.step).toBe('REJECTED');
      expect(decision).toMatchObject({ commands: [], events: [], deadline: 'clear' });
      expect(sagaStatusOf(decision.state.step)).toBe('COMPENSATED');
    });

    it.each([
      ['stock', 'credit', [OUT_OF_STOCK], CREDIT_EXCEEDED, CREDIT_RELEASED, 'OUT_OF_STOCK'],
      ['credit', 'stock', [CREDIT_EXCEEDED], OUT_OF_STOCK, STOCK_RELEASED, 'CREDIT_LIMIT_EXCEEDED'],
    ] as const)('keeps the first reason when the %s is refused and then the %s too; the release sent is still awaited', (_first, _second, path, second, answer, reason) => {
      const rejecting = stateAfter([...path]);
      expect(decide(rejecting, second)).toEqual({ state: rejecting, commands: [], events: [], deadline: 'keep' });
      // The participant answers the release of what it refused with nothing given back, and that ends the saga.
      const ended = from(rejecting, [second, answer]);
      expect(ended.state).toMatchObject({ step: 'REJECTED', rejectionReason: reason });
      expect(ended.events).toEqual([]);
    });

    it('changes nothing on a refusal that comes after the other leg was refused and released', () => {
      const rejected = stateAfter([OUT_OF_STOCK, CREDIT_RELEASED]);
      expect(rejected).toMatchObject({ step: 'REJECTED', rejectionReason: 'OUT_OF_STOCK' });
      expect(decide(rejected, CREDIT_EXCEEDED)).toEqual({ state: rejected, commands: [], events: [], deadline: 'keep' });
    });
  });

  describe('timeouts in every step', () => {
    it.each([
      ['with neither answered', []],
      ['with the stock reserved', [STOCK_RESERVED]],
      ['with the credit reserved', [CREDIT_RESERVED]],
    ] as const)('rejects with TIMEOUT while reserving %s, and releases both legs', (_what, path) => {
      const decision = run([...path, TIMEOUT]);
      expect(decision.state).toMatchObject({ step: 'REJECTING', stock: 'RELEASING', credit: 'RELEASING', rejectionReason: 'TIMEOUT' });
      expect(decision.commands).toEqual([releaseStock, releaseCredit]);
      expect(decision.events).toEqual([{ name: 'OrderRejected', reason: 'TIMEOUT' }]);
      expect(decision.deadline).toBe('restart');
    });

    it.each([
      ['REJECTING', [STOCK_RESERVED, CREDIT_EXCEEDED], [releaseStock]],
      ['REJECTING after a stock refusal', [OUT_OF_STOCK], [releaseCredit]],
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
      const before = STATES[step]();
      expect(decide(before, TIMEOUT)).toEqual({ state: before, commands: [], events: [], deadline: 'clear' });
    });
  });

  describe('a compensation that is never answered (ADR 0010)', () => {
    it.each([
      ['REJECTING', [STOCK_RESERVED, CREDIT_EXCEEDED], [releaseStock], 'REJECTING_STUCK'],
      ['REJECTING on a timeout', [TIMEOUT], [releaseStock, releaseCredit], 'REJECTING_STUCK'],
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
      const stuck = STATES.REJECTING_STUCK();
      const decision = decide(stuck, STOCK_RELEASED);
      expect(decision.state).toMatchObject({ step: 'REJECTED', stock: 'RELEASED', rejectionReason: 'CREDIT_LIMIT_EXCEEDED' });
      expect(decision).toMatchObject({ commands: [], events: [], deadline: 'clear' });
      expect(sagaStatusOf(decision.state.step)).toBe('COMPENSATED');
      // Later copies of the answer (the re-sends' answers, parked behind it and retried with it) change nothing.
      expect(decide(decision.state, STOCK_RELEASED)).toEqual({ state: decision.state, commands: [], events: [], deadline: 'keep' });
    });

    it('ends CANCELLED, with OrderCancelled, once both stuck releases are answered', () => {
      const halfway = decide(STATES.CANCELLING_STUCK(), CREDIT_RELEASED);
      expect(halfway).toMatchObject({ state: { step: 'CANCELLING_STUCK', credit: 'RELEASED', stock: 'RELEASING' }, commands: [], events: [], deadline: 'keep' });
      const done = decide(halfway.state, STOCK_RELEASED);
      expect(done.state).toMatchObject({ step: 'CANCELLED', stock: 'RELEASED', credit: 'RELEASED' });
      expect(done.events).toEqual([{ name: 'OrderCancelled' }]);
      expect(done.deadline).toBe('clear');
    });

    it('still undoes a late reservation while stuck, without starting a deadline again', () => {
      const halfway = decide(STATES.CANCELLING_STUCK(), CREDIT_RELEASED);
      const decision = decide(halfway.state, CREDIT_RESERVED);
      expect(decision).toEqual({ state: { ...halfway.state, credit: 'RELEASING' }, commands: [releaseCredit], events: [], deadline: 'keep' });
    });

    it('counts the re-sends per compensation: a saga that was answered in time never gets stuck', () => {
      const decision = run([STOCK_RESERVED, CREDIT_EXCEEDED, TIMEOUT, TIMEOUT, STOCK_RELEASED]);
      expect(decision.state).toMatchObject({ step: 'REJECTED', releaseResends: 2 });
    });
  });

  describe('cancellation in every step', () => {
    it.each([
      ['with neither answered', []],
      ['with the stock reserved', [STOCK_RESERVED]],
      ['with the credit reserved', [CREDIT_RESERVED]],
    ] as const)('releases both legs when cancelled while reserving %s', (_what, path) => {
      const decision = run([...path, CANCEL]);
      expect(decision.state).toMatchObject({ step: 'CANCELLING', stock: 'RELEASING', credit: 'RELEASING', rejectionReason: null });
      expect(decision.commands).toEqual([releaseStock, releaseCredit]);
      expect(decision.events).toEqual([{ name: 'OrderCancellationRequested' }]);
      expect(decision.deadline).toBe('restart');
      expect(sagaStatusOf(decision.state.step)).toBe('COMPENSATING');
    });

    it('releases the stock only when an unpriced order is cancelled: its credit was never asked', () => {
      const decision = run([CANCEL], UNPRICED);
      expect(decision.state).toMatchObject({ step: 'CANCELLING', stock: 'RELEASING', credit: 'IDLE' });
      expect(decision.commands).toEqual([releaseStock]);
      expect(from(decision, [STOCK_RELEASED]).events).toEqual([{ name: 'OrderCancelled' }]);
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
      const before = STATES[step]();
      expect(decide(before, CANCEL)).toEqual({ state: before, commands: [], events: [], deadline: 'keep' });
    });
  });

  describe('late replies (after a refusal, a timeout or a cancellation)', () => {
    it.each([
      ['stock reservation after the timeout', [TIMEOUT], STOCK_RESERVED],
      ['credit reservation after the timeout', [TIMEOUT], CREDIT_RESERVED],
      ['credit reservation after the stock was refused', [OUT_OF_STOCK], CREDIT_RESERVED],
      ['stock reservation after the credit was refused', [CREDIT_EXCEEDED], STOCK_RESERVED],
      ['stock reservation after the cancellation', [CREDIT_RESERVED, CANCEL], STOCK_RESERVED],
    ] as const)('does not approve on a %s; the release already sent undoes it', (_what, path, late) => {
      const before = stateAfter([...path]);
      expect(decide(before, late)).toEqual({ state: before, commands: [], events: [], deadline: 'keep' });
    });

    it('ends REJECTED with TIMEOUT after a late refusal and the releases answered', () => {
      const decision = run([TIMEOUT, OUT_OF_STOCK, STOCK_RELEASED, CREDIT_RELEASED]);
      expect(decision.state).toMatchObject({ step: 'REJECTED', stock: 'RELEASED', credit: 'RELEASED', rejectionReason: 'TIMEOUT' });
      expect(decision.events).toEqual([]);
    });

    it('releases again a reservation that arrives after the saga ended, without changing the ended order', () => {
      const ended = stateAfter([TIMEOUT, STOCK_RELEASED, CREDIT_RELEASED]);
      expect(ended.step).toBe('REJECTED');
      expect(decide(ended, STOCK_RESERVED)).toEqual({ state: ended, commands: [releaseStock], events: [], deadline: 'clear' });
      const cancelled = STATES.CANCELLED();
      expect(decide(cancelled, CREDIT_RESERVED)).toEqual({ state: cancelled, commands: [releaseCredit], events: [], deadline: 'clear' });
    });

    it('releases again a reservation that arrives after its release was answered while the other release is pending', () => {
      const before = stateAfter([TIMEOUT, STOCK_RELEASED]);
      expect(before).toMatchObject({ step: 'REJECTING', stock: 'RELEASED', credit: 'RELEASING' });
      const decision = decide(before, STOCK_RESERVED);
      expect(decision.state).toMatchObject({ step: 'REJECTING', stock: 'RELEASING' });
      expect(decision.commands).toEqual([releaseStock]);
      expect(decision.deadline).toBe('restart');
    });

    it('ignores a late credit reservation and then a cancellation while rejecting', () => {
      const decision = run([STOCK_RESERVED, TIMEOUT, CREDIT_RESERVED, CANCEL]);
      expect(decision.state.step).toBe('REJECTING');
      expect(decision.events).toEqual([]);
    });
  });

  describe('duplicate replies', () => {
    it.each([
      ['StockReserved while the credit is awaited', [STOCK_RESERVED], STOCK_RESERVED],
      ['CreditReserved while the stock is awaited', [CREDIT_RESERVED], CREDIT_RESERVED],
      ['StockReserved after approval', [STOCK_RESERVED, CREDIT_RESERVED], STOCK_RESERVED],
      ['CreditReserved after approval', [CREDIT_RESERVED, STOCK_RESERVED], CREDIT_RESERVED],
      ['StockReservationRejected while compensating', [OUT_OF_STOCK], OUT_OF_STOCK],
      ['CreditReservationRejected while compensating', [STOCK_RESERVED, CREDIT_EXCEEDED], CREDIT_EXCEEDED],
      ['StockReservationRejected after the rejection ended', [OUT_OF_STOCK, CREDIT_RELEASED], OUT_OF_STOCK],
      ['StockReleased after the rejection ended', [STOCK_RESERVED, CREDIT_EXCEEDED, STOCK_RELEASED], STOCK_RELEASED],
      ['CreditReleased after the cancellation ended', [STOCK_RESERVED, CREDIT_RESERVED, CANCEL, STOCK_RELEASED, CREDIT_RELEASED], CREDIT_RELEASED],
      ['StockReleased before any release was asked', [], STOCK_RELEASED],
      ['CreditReleased before any release was asked', [STOCK_RESERVED], CREDIT_RELEASED],
      ['CreditReleased while approved', [STOCK_RESERVED, CREDIT_RESERVED], CREDIT_RELEASED],
    ] as const)('changes nothing on a repeated or stray %s', (_what, path, input) => {
      const before = stateAfter([...path]);
      expect(decide(before, input)).toEqual({ state: before, commands: [], events: [], deadline: 'keep' });
    });

    it.each([
      ['stock first', [STOCK_RESERVED, STOCK_RESERVED, CREDIT_RESERVED, CREDIT_RESERVED]],
      ['credit first, interleaved', [CREDIT_RESERVED, STOCK_RESERVED, CREDIT_RESERVED, STOCK_RESERVED]],
    ] as const)('sends every command once over a whole run with each reply delivered twice (%s)', (_order, inputs) => {
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

  describe('rows of the sequential saga (before ADR 0016) finish as they began', () => {
    it('goes on from RESERVING_STOCK to RESERVING_CREDIT on StockReserved: asks the credit only now, with a new deadline', () => {
      const decision = decide(LEGACY_RESERVING_STOCK, STOCK_RESERVED);
      expect(decision).toEqual({ state: LEGACY_RESERVING_CREDIT, commands: [reserveCredit], events: [], deadline: 'restart' });
    });

    it('approves RESERVING_CREDIT on CreditReserved', () => {
      const decision = decide(LEGACY_RESERVING_CREDIT, CREDIT_RESERVED);
      expect(decision).toEqual({ state: { ...LEGACY_RESERVING_CREDIT, step: 'APPROVED', credit: 'RESERVED' }, commands: [], events: [{ name: 'OrderApproved' }], deadline: 'clear' });
    });

    it('rejects RESERVING_STOCK on a stock refusal, releasing nothing: the credit was never asked', () => {
      const decision = decide(LEGACY_RESERVING_STOCK, OUT_OF_STOCK);
      expect(decision.state).toMatchObject({ step: 'REJECTED', stock: 'REJECTED', credit: 'IDLE', rejectionReason: 'OUT_OF_STOCK' });
      expect(decision).toMatchObject({ commands: [], events: [{ name: 'OrderRejected', reason: 'OUT_OF_STOCK' }], deadline: 'clear' });
    });

    it('rejects RESERVING_CREDIT on a credit refusal and releases the stock', () => {
      const decision = decide(LEGACY_RESERVING_CREDIT, CREDIT_EXCEEDED);
      expect(decision.state).toMatchObject({ step: 'REJECTING', stock: 'RELEASING', credit: 'REJECTED', rejectionReason: 'CREDIT_LIMIT_EXCEEDED' });
      expect(decision.commands).toEqual([releaseStock]);
    });

    it.each([
      ['RESERVING_STOCK times out', LEGACY_RESERVING_STOCK, TIMEOUT, 'REJECTING', { stock: 'RELEASING', credit: 'IDLE' }, [releaseStock]],
      ['RESERVING_CREDIT times out', LEGACY_RESERVING_CREDIT, TIMEOUT, 'REJECTING', { stock: 'RELEASING', credit: 'RELEASING' }, [releaseStock, releaseCredit]],
      ['RESERVING_STOCK is cancelled', LEGACY_RESERVING_STOCK, CANCEL, 'CANCELLING', { stock: 'RELEASING', credit: 'IDLE' }, [releaseStock]],
      ['RESERVING_CREDIT is cancelled', LEGACY_RESERVING_CREDIT, CANCEL, 'CANCELLING', { stock: 'RELEASING', credit: 'RELEASING' }, [releaseStock, releaseCredit]],
    ] as const)('releases what it asked for when %s', (_what, state, input, step, legs, commands) => {
      const decision = decide(state, input);
      expect(decision.state).toMatchObject({ step, ...legs });
      expect(decision.commands).toEqual(commands);
    });
  });

  describe('every input in every step keeps the invariants', () => {
    const INPUTS: PlaceOrderInput[] = [
      STOCK_RESERVED, OUT_OF_STOCK, { type: 'StockReservationRejected', reason: 'UNKNOWN_PRODUCT' }, STOCK_RELEASED,
      CREDIT_RESERVED, CREDIT_EXCEEDED, { type: 'CreditReservationRejected', reason: 'CUSTOMER_NOT_ELIGIBLE' }, CREDIT_RELEASED,
      CANCEL, TIMEOUT,
    ];
    const SCENARIOS: Array<[string, () => PlaceOrderSagaState]> = [
      ...Object.entries(STATES),
      ['RESERVING, stock reserved', () => stateAfter([STOCK_RESERVED])],
      ['RESERVING, credit reserved', () => stateAfter([CREDIT_RESERVED])],
      ['RESERVING_STOCK of an unpriced order', () => startPlaceOrder(UNPRICED).state],
      ['REJECTING after a stock refusal', () => stateAfter([OUT_OF_STOCK])],
      ['REJECTING on a timeout', () => stateAfter([TIMEOUT])],
      ['CANCELLING, half answered', () => stateAfter([STOCK_RESERVED, CREDIT_RESERVED, CANCEL, CREDIT_RELEASED])],
    ];
    const held = (s: PlaceOrderSagaState) => (['stock', 'credit'] as const).filter((leg) => s[leg] === 'PENDING' || s[leg] === 'RESERVED');
    const cases = SCENARIOS.flatMap(([label, state]) => INPUTS.map((input) => [label, input.type + ('reason' in input ? ` ${input.reason}` : ''), state, input] as const));

    it.each(cases)('%s + %s', (_label, _input, stateOf, input) => {
      const before = stateOf();
      const { state, commands, events, deadline } = decide(before, input);
      const status = sagaStatusOf(state.step);
      // Once the saga compensates or has ended, nothing is held or may yet be that no release was sent for.
      if (status !== 'RUNNING' && status !== 'COMPLETED') expect(held(state)).toEqual([]);
      // Approved only with both legs reserved; a priced order never approves on one leg.
      if (events.some((e) => e.name === 'OrderApproved')) expect(state).toMatchObject({ step: 'APPROVED', stock: 'RESERVED', credit: 'RESERVED' });
      if (state.step === 'APPROVED') expect(held(state)).toEqual(['stock', 'credit']);
      // The credit is asked for again only by a sequential row going on to RESERVING_CREDIT; an unpriced order never.
      for (const c of commands.filter((c) => c.name === 'ReserveCredit')) expect([before.step, state.step, c.data]).toEqual(['RESERVING_STOCK', 'RESERVING_CREDIT', reserveCredit.data]);
      expect(commands.some((c) => c.name === 'ReserveStock')).toBe(false);
      if (before.unpricedSkus.length > 0) expect(commands.map((c) => c.name)).not.toContain('ReserveCredit');
      // Every waiting step has a deadline; an ended or stuck one never starts one.
      if (status === 'RUNNING' || status === 'COMPENSATING') expect(deadline).not.toBe('clear');
      else expect(deadline).not.toBe('restart');
      // The first reason stands.
      if (before.rejectionReason !== null) expect(state.rejectionReason).toBe(before.rejectionReason);
      if (state.step.startsWith('REJECT')) expect(state.rejectionReason).not.toBeNull();
    });
  });

  it('maps every step to its runtime status', () => {
    const statuses = Object.fromEntries((Object.keys(STATES) as PlaceOrderStep[]).map((s) => [s, sagaStatusOf(s)]));
    expect(statuses).toEqual({
      RESERVING: 'RUNNING',
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
    for (const [step, state] of Object.entries(STATES)) expect(state().step).toBe(step);
  });
});
