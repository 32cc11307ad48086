import type {
  CreditRejectionReason,
  OrderRejectionReason,
  ReleaseCreditData,
  ReleaseStockData,
  ReserveCreditData,
  ReserveStockData,
  StockLine,
  StockRejectionReason,
} from '@eda/contracts';
import type { SagaStatus } from '@eda/platform';

/**
 * The place-order saga (docs/architecture.md §2, §3.8) as a pure function: `decide(state, input)` gives the commands to
 * send, the order events to record and the next state. No I/O, no clock: the reactions load the row, call
 * decide, and store its outcome with the row's version in one transaction.
 *
 * The process: reserve the stock of every line (inventory) and, at the same time, the order's total on the
 * organization's credit (organizations — which also checks the user is an active member:
 * CUSTOMER_NOT_ELIGIBLE); approve once both are reserved (ADR 0016). A refusal, a timeout or a cancellation
 * releases whatever was asked for and ends the order. An order with a sku it could not price asks for the
 * stock only (its credit is never asked) and is rejected UNKNOWN_PRODUCT.
 */
export const PLACE_ORDER_SAGA = 'place-order';

export type PlaceOrderStep =
  /** Stock and credit asked at once (ADR 0016). */
  | 'RESERVING'
  /** Stock only: an order with unpriced skus, or a row the sequential saga wrote before ADR 0016. */
  | 'RESERVING_STOCK'
  /** Credit after the stock: only rows the sequential saga wrote before ADR 0016 are ever here. */
  | 'RESERVING_CREDIT'
  | 'APPROVED'
  | 'REJECTING'
  | 'REJECTED'
  | 'CANCELLING'
  | 'CANCELLED'
  | 'REJECTING_STUCK'
  | 'CANCELLING_STUCK';

/**
 * How many times a compensation's unanswered releases are sent again, one deadline apart, before the saga
 * stops asking and is STUCK (ADR 0010): a release that gets no answer this often will not get one by
 * asking more (its answer is parked as a dead letter, or the participant is down); an operator takes over.
 */
export const MAX_RELEASE_RESENDS = 3;

/**
 * One participant's part: IDLE (never asked), PENDING (reserve sent, no answer), RESERVED, REJECTED
 * (refused: nothing held), RELEASING (release sent, waiting for its answer), RELEASED.
 */
export type LegStatus = 'IDLE' | 'PENDING' | 'RESERVED' | 'REJECTED' | 'RELEASING' | 'RELEASED';

export interface PlaceOrderSagaState {
  orderId: string;
  userId: string;
  organizationId: string;
  lines: StockLine[];
  totalCents: number;
  /** Skus the order could not be priced for: stock is still asked (inventory decides UNKNOWN_PRODUCT), credit never. */
  unpricedSkus: string[];
  step: PlaceOrderStep;
  stock: LegStatus;
  credit: LegStatus;
  rejectionReason: OrderRejectionReason | null;
  /** Deadlines passed while compensating, each of which sent the unanswered releases again (absent: none). */
  releaseResends?: number;
}

export type PlaceOrderInput =
  | { type: 'StockReserved' }
  | { type: 'StockReservationRejected'; reason: StockRejectionReason }
  | { type: 'StockReleased' }
  | { type: 'CreditReserved' }
  | { type: 'CreditReservationRejected'; reason: CreditRejectionReason }
  | { type: 'CreditReleased' }
  | { type: 'CancelRequested' }
  | { type: 'DeadlinePassed' };

export type PlaceOrderCommand =
  | { target: 'inventory'; name: 'ReserveStock'; data: ReserveStockData }
  | { target: 'inventory'; name: 'ReleaseStock'; data: ReleaseStockData }
  | { target: 'organizations'; name: 'ReserveCredit'; data: ReserveCreditData }
  | { target: 'organizations'; name: 'ReleaseCredit'; data: ReleaseCreditData };

/** What happens to the order; the Order aggregate records the matching event (and refuses a wrong move). */
export type PlaceOrderEvent =
  | { name: 'OrderApproved' }
  | { name: 'OrderRejected'; reason: OrderRejectionReason }
  | { name: 'OrderCancellationRequested' }
  | { name: 'OrderCancelled' };

export interface PlaceOrderDecision {
  state: PlaceOrderSagaState;
  commands: PlaceOrderCommand[];
  events: PlaceOrderEvent[];
  /** restart: wait SAGA_TIMEOUT_SECONDS from now; keep: the current deadline stands; clear: wait for nothing. */
  deadline: 'restart' | 'keep' | 'clear';
}

const FINAL_STEPS: ReadonlySet<PlaceOrderStep> = new Set(['REJECTED', 'CANCELLED']);
/** Gave up waiting for the releases: nothing is sent on a deadline any more, but their answers still end the saga. */
const STUCK_STEPS: ReadonlySet<PlaceOrderStep> = new Set(['REJECTING_STUCK', 'CANCELLING_STUCK']);
const SETTLED: ReadonlySet<LegStatus> = new Set(['IDLE', 'REJECTED', 'RELEASED']);

export function sagaStatusOf(step: PlaceOrderStep): SagaStatus {
  switch (step) {
    case 'RESERVING':
    case 'RESERVING_STOCK':
    case 'RESERVING_CREDIT':
      return 'RUNNING';
    case 'APPROVED':
      return 'COMPLETED';
    case 'REJECTING':
    case 'CANCELLING':
      return 'COMPENSATING';
    case 'REJECTED':
    case 'CANCELLED':
      return 'COMPENSATED';
    case 'REJECTING_STUCK':
    case 'CANCELLING_STUCK':
      return 'STUCK';
  }
}

/**
 * The saga's first decision, taken with the order's placement: ask the inventory for every line and the
 * organization for the total, both at once; with a sku unpriced, the inventory only (no credit for a total
 * that is not known).
 */
export function startPlaceOrder(order: {
  orderId: string;
  userId: string;
  organizationId: string;
  lines: StockLine[];
  totalCents: number;
  unpricedSkus: string[];
}): PlaceOrderDecision {
  const priced = order.unpricedSkus.length === 0;
  const state: PlaceOrderSagaState = {
    ...order,
    lines: order.lines.map((l) => ({ sku: l.sku, quantity: l.quantity })),
    unpricedSkus: [...order.unpricedSkus],
    step: priced ? 'RESERVING' : 'RESERVING_STOCK',
    stock: 'PENDING',
    credit: priced ? 'PENDING' : 'IDLE',
    rejectionReason: null,
  };
  const commands = priced ? [reserveStock(state), reserveCredit(state)] : [reserveStock(state)];
  return { state, commands, events: [], deadline: 'restart' };
}

export function decide(state: PlaceOrderSagaState, input: PlaceOrderInput): PlaceOrderDecision {
  switch (input.type) {
    case 'StockReserved':
      return onReserved(state, 'stock');
    case 'CreditReserved':
      return onReserved(state, 'credit');
    case 'StockReservationRejected':
      return onRefused(state, 'stock', input.reason);
    case 'CreditReservationRejected':
      return onRefused(state, 'credit', input.reason);
    case 'StockReleased':
      return onReleased(state, 'stock');
    case 'CreditReleased':
      return onReleased(state, 'credit');
    case 'CancelRequested':
      return onCancelRequested(state);
    case 'DeadlinePassed':
      return onDeadline(state);
  }
}

type Leg = 'stock' | 'credit';

function onReserved(state: PlaceOrderSagaState, leg: Leg): PlaceOrderDecision {
  const current = state[leg];
  if (current === 'PENDING') {
    // PENDING only while reserving: a compensation turns every PENDING leg into RELEASING.
    const reserved = { ...state, [leg]: 'RESERVED' as const };
    if (leg === 'stock' && state.unpricedSkus.length > 0) {
      return compensate(reserved, 'REJECTING', [{ name: 'OrderRejected', reason: 'UNKNOWN_PRODUCT' }], 'UNKNOWN_PRODUCT');
    }
    if (reserved.stock === 'RESERVED' && reserved.credit === 'RESERVED') {
      return { state: { ...reserved, step: 'APPROVED' }, commands: [], events: [{ name: 'OrderApproved' }], deadline: 'clear' };
    }
    // A row of the sequential saga (before ADR 0016): the credit is asked only now, with a deadline of its own.
    if (state.step === 'RESERVING_STOCK') {
      const next: PlaceOrderSagaState = { ...reserved, step: 'RESERVING_CREDIT', credit: 'PENDING' };
      return { state: next, commands: [reserveCredit(next)], events: [], deadline: 'restart' };
    }
    // RESERVING: the other leg's answer is still to come, under the deadline both legs share.
    return { state: reserved, commands: [], events: [], deadline: 'keep' };
  }
  // A release was sent after the reserve on the same key, so the participant undoes this one by itself.
  if (current === 'RESERVED' || current === 'RELEASING') return unchanged(state);
  // A reservation the saga no longer wants (its release already came back, or it never asked): undo it.
  if (FINAL_STEPS.has(state.step)) return { state, commands: [release(state, leg)], events: [], deadline: 'clear' };
  // A stuck saga asks once more for this leg but sets no deadline: it already gave up re-sending.
  return { state: { ...state, [leg]: 'RELEASING' }, commands: [release(state, leg)], events: [], deadline: STUCK_STEPS.has(state.step) ? 'keep' : 'restart' };
}

/**
 * A refusal rejects the order with its reason and releases the other leg, PENDING or RESERVED. A refusal
 * that comes after the order was already rejected (the other leg's refusal, a timeout) changes nothing: the
 * first reason stands, and the release sent for this leg is answered all the same.
 */
function onRefused(state: PlaceOrderSagaState, leg: Leg, reason: OrderRejectionReason): PlaceOrderDecision {
  if (state[leg] !== 'PENDING') return unchanged(state);
  return compensate({ ...state, [leg]: 'REJECTED' }, 'REJECTING', [{ name: 'OrderRejected', reason }], reason);
}

function onReleased(state: PlaceOrderSagaState, leg: Leg): PlaceOrderDecision {
  if (state[leg] !== 'RELEASING') return unchanged(state);
  return settle({ state: { ...state, [leg]: 'RELEASED' }, commands: [], events: [], deadline: 'keep' });
}

function onCancelRequested(state: PlaceOrderSagaState): PlaceOrderDecision {
  switch (state.step) {
    case 'RESERVING':
    case 'RESERVING_STOCK':
    case 'RESERVING_CREDIT':
    case 'APPROVED':
      return compensate(state, 'CANCELLING', [{ name: 'OrderCancellationRequested' }], null);
    // Already cancelling: a repeated request changes nothing. A rejected or cancelled order cannot be
    // cancelled; the Order refuses that (409) before the saga is asked.
    default:
      return unchanged(state);
  }
}

function onDeadline(state: PlaceOrderSagaState): PlaceOrderDecision {
  switch (state.step) {
    case 'RESERVING':
    case 'RESERVING_STOCK':
    case 'RESERVING_CREDIT':
      return compensate(state, 'REJECTING', [{ name: 'OrderRejected', reason: 'TIMEOUT' }], 'TIMEOUT');
    case 'REJECTING':
    case 'CANCELLING': {
      const resends = state.releaseResends ?? 0;
      // Asked MAX_RELEASE_RESENDS times more without an answer: asking again would only repeat forever
      // (e.g. the answers are parked as dead letters behind an earlier one). Stop, visibly, for an operator.
      if (resends >= MAX_RELEASE_RESENDS) {
        return { state: { ...state, step: state.step === 'REJECTING' ? 'REJECTING_STUCK' : 'CANCELLING_STUCK' }, commands: [], events: [], deadline: 'clear' };
      }
      // A release unanswered in time: ask again (releases are idempotent) and keep waiting.
      const commands: PlaceOrderCommand[] = (['stock', 'credit'] as const).filter((leg) => state[leg] === 'RELEASING').map((leg) => release(state, leg));
      return { state: { ...state, releaseResends: resends + 1 }, commands, events: [], deadline: 'restart' };
    }
    default:
      return { state, commands: [], events: [], deadline: 'clear' };
  }
}

/**
 * Releases every leg that holds or may yet hold something (PENDING: its answer may still come; the
 * release follows the reserve on the same partition key, so the participant sees them in that order).
 */
function compensate(state: PlaceOrderSagaState, step: 'REJECTING' | 'CANCELLING', events: PlaceOrderEvent[], reason: OrderRejectionReason | null): PlaceOrderDecision {
  let next: PlaceOrderSagaState = { ...state, step, rejectionReason: reason ?? state.rejectionReason };
  const commands: PlaceOrderCommand[] = [];
  for (const leg of ['stock', 'credit'] as const) {
    if (next[leg] === 'PENDING' || next[leg] === 'RESERVED') {
      commands.push(release(next, leg));
      next = { ...next, [leg]: 'RELEASING' };
    }
  }
  return settle({ state: next, commands, events, deadline: 'restart' });
}

/** Ends the compensation once neither participant holds anything (also a stuck one, when the answers come at last). */
function settle(decision: PlaceOrderDecision): PlaceOrderDecision {
  const { state } = decision;
  const rejecting = state.step === 'REJECTING' || state.step === 'REJECTING_STUCK';
  const cancelling = state.step === 'CANCELLING' || state.step === 'CANCELLING_STUCK';
  if ((!rejecting && !cancelling) || !SETTLED.has(state.stock) || !SETTLED.has(state.credit)) return decision;
  if (rejecting) return { ...decision, state: { ...state, step: 'REJECTED' }, deadline: 'clear' };
  return { ...decision, state: { ...state, step: 'CANCELLED' }, events: [...decision.events, { name: 'OrderCancelled' }], deadline: 'clear' };
}

function unchanged(state: PlaceOrderSagaState): PlaceOrderDecision {
  return { state, commands: [], events: [], deadline: 'keep' };
}

function reserveStock(state: PlaceOrderSagaState): PlaceOrderCommand {
  return { target: 'inventory', name: 'ReserveStock', data: { orderId: state.orderId, lines: state.lines.map((l) => ({ ...l })) } };
}

function reserveCredit(state: PlaceOrderSagaState): PlaceOrderCommand {
  return {
    target: 'organizations',
    name: 'ReserveCredit',
    data: { orderId: state.orderId, organizationId: state.organizationId, userId: state.userId, amountCents: state.totalCents },
  };
}

function release(state: PlaceOrderSagaState, leg: Leg): PlaceOrderCommand {
  return leg === 'stock'
    ? { target: 'inventory', name: 'ReleaseStock', data: { orderId: state.orderId } }
    : { target: 'organizations', name: 'ReleaseCredit', data: { orderId: state.orderId, organizationId: state.organizationId } };
}
