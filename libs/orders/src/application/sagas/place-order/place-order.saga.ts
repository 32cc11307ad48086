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
 *
 * It is written as three tables — the legs (PLACE_ORDER_LEGS), the steps (PLACE_ORDER_STEPS) and the rules
 * (PLACE_ORDER_RULES) — which `decide` applies without knowing any leg or step by name (ADR 0006, addendum).
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

/** The saga's participants; each is a field of the state holding its LegStatus. */
export type Leg = 'stock' | 'credit';

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

/** What the saga sends its participants (not to be confused with the CQRS PlaceOrderCommand that places the order). */
export type PlaceOrderSagaCommand =
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
  commands: PlaceOrderSagaCommand[];
  events: PlaceOrderEvent[];
  /** restart: wait SAGA_TIMEOUT_SECONDS from now; keep: the current deadline stands; clear: wait for nothing. */
  deadline: 'restart' | 'keep' | 'clear';
}

type LegAnswer = Exclude<PlaceOrderInput, { type: 'CancelRequested' | 'DeadlinePassed' }>['type'];
type Refusal = Extract<PlaceOrderInput, { reason: unknown }>;
/** The answers a leg gets: to its reserve (reserved or refused) and to its release. */
type Answer = 'reserved' | 'refused' | 'released';

// ─── 1. The legs: what each participant is asked, what its answers mean, how it is given back ───────────────

interface LegDefinition {
  /** The context asked, as the operations console names it. */
  participant: PlaceOrderSagaCommand['target'];
  /** Its amount is the order's total: never asked for an order with an unpriced sku (PLACE_ORDER_RULES.unpricedHeld). */
  needsPrices: boolean;
  reserve: (state: PlaceOrderSagaState) => PlaceOrderSagaCommand;
  /** The answers to the reserve: held, or refused — the refusal's reason is the order's rejection reason. */
  reserved: LegAnswer;
  refused: Refusal['type'];
  /** The compensation and its answer. A release follows its reserve on the same key, so it also undoes a reserve not answered yet. */
  release: (state: PlaceOrderSagaState) => PlaceOrderSagaCommand;
  released: LegAnswer;
}

export const PLACE_ORDER_LEGS: Readonly<Record<Leg, LegDefinition>> = {
  stock: {
    participant: 'inventory',
    needsPrices: false,
    reserve: (s) => ({ target: 'inventory', name: 'ReserveStock', data: { orderId: s.orderId, lines: s.lines.map((l) => ({ ...l })) } }),
    reserved: 'StockReserved',
    refused: 'StockReservationRejected',
    release: (s) => ({ target: 'inventory', name: 'ReleaseStock', data: { orderId: s.orderId } }),
    released: 'StockReleased',
  },
  credit: {
    participant: 'organizations',
    needsPrices: true,
    reserve: (s) => ({
      target: 'organizations',
      name: 'ReserveCredit',
      data: { orderId: s.orderId, organizationId: s.organizationId, userId: s.userId, amountCents: s.totalCents },
    }),
    reserved: 'CreditReserved',
    refused: 'CreditReservationRejected',
    release: (s) => ({ target: 'organizations', name: 'ReleaseCredit', data: { orderId: s.orderId, organizationId: s.organizationId } }),
    released: 'CreditReleased',
  },
};

/** The legs, in the order their commands are sent. */
const LEGS = Object.keys(PLACE_ORDER_LEGS) as Leg[];

// ─── 2. The steps: what entering each one does, and where it leads ──────────────────────────────────────────

interface StepDefinition {
  /** The runtime's status (saga_instances.status), which is also the phase PLACE_ORDER_RULES.phases reads. */
  status: SagaStatus;
  /** Entering it asks these legs (their reserve is sent, the leg PENDING). */
  asks?: readonly Leg[];
  /** Entering it releases every leg that holds or may yet hold (RESERVED or PENDING). */
  releases?: true;
  /** The order event entering it records. */
  records?: (state: PlaceOrderSagaState) => PlaceOrderEvent;
  /** A leg held, but not every leg: the step it goes on to (else the other answers are awaited). */
  onceHeld?: PlaceOrderStep;
  /** Once no leg holds anything any more (every release answered): where the compensation ends. */
  settlesAs?: PlaceOrderStep;
  /** A deadline after the last re-send of the unanswered releases: where the compensation stops (ADR 0010). */
  givesUpAs?: PlaceOrderStep;
}

export const PLACE_ORDER_STEPS: Readonly<Record<PlaceOrderStep, StepDefinition>> = {
  RESERVING: { status: 'RUNNING', asks: ['stock', 'credit'] },
  // A row of the sequential saga (before ADR 0016) asks the credit only once the stock is held, with a deadline of its own.
  RESERVING_STOCK: { status: 'RUNNING', asks: ['stock'], onceHeld: 'RESERVING_CREDIT' },
  RESERVING_CREDIT: { status: 'RUNNING', asks: ['credit'] },
  APPROVED: { status: 'COMPLETED', records: () => ({ name: 'OrderApproved' }) },
  // The order is REJECTED as the rejection is decided; the saga goes on until the releases are answered.
  REJECTING: {
    status: 'COMPENSATING',
    releases: true,
    // Entered only through a rejection rule, which sets the reason first.
    records: (s) => ({ name: 'OrderRejected', reason: s.rejectionReason as OrderRejectionReason }),
    settlesAs: 'REJECTED',
    givesUpAs: 'REJECTING_STUCK',
  },
  REJECTING_STUCK: { status: 'STUCK', settlesAs: 'REJECTED' },
  REJECTED: { status: 'COMPENSATED' },
  CANCELLING: {
    status: 'COMPENSATING',
    releases: true,
    records: () => ({ name: 'OrderCancellationRequested' }),
    settlesAs: 'CANCELLED',
    givesUpAs: 'CANCELLING_STUCK',
  },
  CANCELLING_STUCK: { status: 'STUCK', settlesAs: 'CANCELLED' },
  CANCELLED: { status: 'COMPENSATED', records: () => ({ name: 'OrderCancelled' }) },
};

// ─── 3. The rules: what each input does ──────────────────────────────────────────────────────────────────────

/** What a participant's answer does to its leg. */
type LegChange = 'held' | 'refused' | 'released' | 'unwanted';

interface PhaseRules {
  /** Waits for answers: entering a step of this phase starts a deadline, else clears it. */
  waits: boolean;
  /** A cancellation: the step it leads to, or null: it changes nothing. */
  cancel: PlaceOrderStep | null;
  /** The deadline passed: reject the order, send the unanswered releases again, or stop waiting. */
  deadline: { reject: OrderRejectionReason } | 'resend-releases' | 'stop-waiting';
  /**
   * A reservation the saga does not want (its leg never asked, refused, or given back already) is released
   * again; awaitRelease: the leg is RELEASING until that is answered; deadline: what happens to the deadline.
   */
  unwantedReservation: { awaitRelease: boolean; deadline: PlaceOrderDecision['deadline'] };
}

export const PLACE_ORDER_RULES = {
  /** Placement: every leg at once (ADR 0016); an order with an unpriced sku, the stock only: no credit for an unknown total. */
  start: { priced: 'RESERVING', unpriced: 'RESERVING_STOCK' } satisfies Record<'priced' | 'unpriced', PlaceOrderStep>,
  /**
   * An answer changes its leg only from the statuses listed; from any other it changes nothing: a duplicate,
   * or a reservation whose release is already on its way (sent after the reserve, on the same key) and undoes it.
   */
  answers: {
    reserved: { PENDING: 'held', IDLE: 'unwanted', REJECTED: 'unwanted', RELEASED: 'unwanted' },
    refused: { PENDING: 'refused' },
    released: { RELEASING: 'released' },
  } satisfies Record<Answer, Partial<Record<LegStatus, LegChange>>>,
  /** A leg held for an order with an unpriced sku (a leg that needs no price, then): the order is rejected, the leg released. */
  unpricedHeld: { reject: 'UNKNOWN_PRODUCT' } satisfies { reject: OrderRejectionReason },
  /** A leg held, and with it every leg: the order is approved. Else the step's onceHeld; else the other answers are awaited. */
  allHeld: 'APPROVED' satisfies PlaceOrderStep,
  /** Every rejection — a leg refused (its reason), the deadline while reserving, unpricedHeld — enters this step. */
  rejection: 'REJECTING' satisfies PlaceOrderStep,
  /** A leg released: once every leg is in one of these, the compensation ends (the step's settlesAs). */
  settled: ['IDLE', 'REJECTED', 'RELEASED'] satisfies readonly LegStatus[],
  /** What a cancellation, a deadline and an unwanted reservation do, by phase (the step's status). */
  phases: {
    RUNNING: { waits: true, cancel: 'CANCELLING', deadline: { reject: 'TIMEOUT' }, unwantedReservation: { awaitRelease: true, deadline: 'restart' } },
    COMPLETED: { waits: false, cancel: 'CANCELLING', deadline: 'stop-waiting', unwantedReservation: { awaitRelease: true, deadline: 'restart' } },
    // Already compensating, a repeated cancellation changes nothing; an ended order cannot be cancelled (the Order answers 409 first).
    COMPENSATING: { waits: true, cancel: null, deadline: 'resend-releases', unwantedReservation: { awaitRelease: true, deadline: 'restart' } },
    // Gave up re-sending: a late reservation is released once more, without a deadline; the answers still end it.
    STUCK: { waits: false, cancel: null, deadline: 'stop-waiting', unwantedReservation: { awaitRelease: true, deadline: 'keep' } },
    // Ended: the state stays as it ended; a late reservation is only undone.
    COMPENSATED: { waits: false, cancel: null, deadline: 'stop-waiting', unwantedReservation: { awaitRelease: false, deadline: 'clear' } },
  } satisfies Record<SagaStatus, PhaseRules>,
  /** While compensating, each deadline re-sends the unanswered releases, this many times; the next gives up (the step's givesUpAs). */
  releaseResends: MAX_RELEASE_RESENDS,
} as const;

// ─── decide: applies the tables ─────────────────────────────────────────────────────────────────────────────

export function sagaStatusOf(step: PlaceOrderStep): SagaStatus {
  return PLACE_ORDER_STEPS[step].status;
}

/** The saga's first decision, taken with the order's placement (PLACE_ORDER_RULES.start). */
export function startPlaceOrder(order: Pick<PlaceOrderSagaState, 'orderId' | 'userId' | 'organizationId' | 'lines' | 'totalCents' | 'unpricedSkus'>): PlaceOrderDecision {
  const state: PlaceOrderSagaState = {
    ...order,
    lines: order.lines.map((l) => ({ sku: l.sku, quantity: l.quantity })),
    unpricedSkus: [...order.unpricedSkus],
    step: PLACE_ORDER_RULES.start[order.unpricedSkus.length === 0 ? 'priced' : 'unpriced'],
    stock: 'IDLE',
    credit: 'IDLE',
    rejectionReason: null,
  };
  return enter(state, state.step);
}

export function decide(state: PlaceOrderSagaState, input: PlaceOrderInput): PlaceOrderDecision {
  const phase: PhaseRules = PLACE_ORDER_RULES.phases[sagaStatusOf(state.step)];
  switch (input.type) {
    case 'CancelRequested':
      return phase.cancel ? enter(state, phase.cancel) : unchanged(state);
    case 'DeadlinePassed':
      return onDeadline(state, phase);
    default:
      return onAnswer(state, input, phase);
  }
}

/** Which leg each participant answer is about, and which of its answers it is. */
const ANSWERS = Object.fromEntries(
  LEGS.flatMap((leg) => (['reserved', 'refused', 'released'] as const).map((answer) => [PLACE_ORDER_LEGS[leg][answer], { leg, answer }])),
) as Record<LegAnswer, { leg: Leg; answer: Answer }>;

function onAnswer(state: PlaceOrderSagaState, input: Extract<PlaceOrderInput, { type: LegAnswer }>, phase: PhaseRules): PlaceOrderDecision {
  const { leg, answer } = ANSWERS[input.type];
  const changes: Partial<Record<LegStatus, LegChange>> = PLACE_ORDER_RULES.answers[answer];
  switch (changes[state[leg]]) {
    case 'held':
      return onHeld({ ...state, [leg]: 'RESERVED' }, leg);
    case 'refused':
      return reject({ ...state, [leg]: 'REJECTED' }, (input as Refusal).reason);
    case 'released':
      return settle({ state: { ...state, [leg]: 'RELEASED' }, commands: [], events: [], deadline: 'keep' });
    case 'unwanted': {
      const { awaitRelease, deadline } = phase.unwantedReservation;
      return { state: awaitRelease ? { ...state, [leg]: 'RELEASING' } : state, commands: [PLACE_ORDER_LEGS[leg].release(state)], events: [], deadline };
    }
    case undefined:
      return unchanged(state);
  }
}

function onHeld(state: PlaceOrderSagaState, leg: Leg): PlaceOrderDecision {
  if (state.unpricedSkus.length > 0 && !PLACE_ORDER_LEGS[leg].needsPrices) return reject(state, PLACE_ORDER_RULES.unpricedHeld.reject);
  if (LEGS.every((l) => state[l] === 'RESERVED')) return enter(state, PLACE_ORDER_RULES.allHeld);
  const { onceHeld } = PLACE_ORDER_STEPS[state.step];
  if (onceHeld) return enter(state, onceHeld);
  // The other answers are still to come, under the deadline the legs share.
  return { state, commands: [], events: [], deadline: 'keep' };
}

function onDeadline(state: PlaceOrderSagaState, phase: PhaseRules): PlaceOrderDecision {
  const rule = phase.deadline;
  if (rule === 'stop-waiting') return { state, commands: [], events: [], deadline: 'clear' };
  if (rule !== 'resend-releases') return reject(state, rule.reject);
  const resends = state.releaseResends ?? 0;
  const { givesUpAs } = PLACE_ORDER_STEPS[state.step];
  // Asked this often without an answer: asking again would only repeat forever (e.g. the answers are parked
  // as dead letters behind an earlier one). Stop, visibly, for an operator.
  if (givesUpAs && resends >= PLACE_ORDER_RULES.releaseResends) return enter(state, givesUpAs);
  // A release unanswered in time: ask again (releases are idempotent) and keep waiting.
  const commands = LEGS.filter((leg) => state[leg] === 'RELEASING').map((leg) => PLACE_ORDER_LEGS[leg].release(state));
  return { state: { ...state, releaseResends: resends + 1 }, commands, events: [], deadline: 'restart' };
}

function reject(state: PlaceOrderSagaState, reason: OrderRejectionReason): PlaceOrderDecision {
  return enter({ ...state, rejectionReason: reason }, PLACE_ORDER_RULES.rejection);
}

/**
 * Enters a step as its row says: asks its legs, or releases every leg that holds or may yet hold (a PENDING
 * one: its answer may still come, and the release follows the reserve on the same partition key, so the
 * participant sees them in that order); records its order event; waits with a fresh deadline if its status
 * waits, else clears it. A compensation with nothing to release ends at once.
 */
function enter(state: PlaceOrderSagaState, to: PlaceOrderStep): PlaceOrderDecision {
  const step = PLACE_ORDER_STEPS[to];
  let next: PlaceOrderSagaState = { ...state, step: to };
  const commands: PlaceOrderSagaCommand[] = [];
  for (const leg of LEGS) {
    if (step.asks?.includes(leg)) {
      next = { ...next, [leg]: 'PENDING' };
      commands.push(PLACE_ORDER_LEGS[leg].reserve(next));
    } else if (step.releases && (next[leg] === 'PENDING' || next[leg] === 'RESERVED')) {
      next = { ...next, [leg]: 'RELEASING' };
      commands.push(PLACE_ORDER_LEGS[leg].release(next));
    }
  }
  const events = step.records ? [step.records(next)] : [];
  const decision: PlaceOrderDecision = { state: next, commands, events, deadline: PLACE_ORDER_RULES.phases[step.status].waits ? 'restart' : 'clear' };
  return step.releases ? settle(decision) : decision;
}

/** Ends a compensation once no leg holds anything (also a stuck one, when the answers come at last). */
function settle(decision: PlaceOrderDecision): PlaceOrderDecision {
  const { settlesAs } = PLACE_ORDER_STEPS[decision.state.step];
  const settled: readonly LegStatus[] = PLACE_ORDER_RULES.settled;
  if (!settlesAs || !LEGS.every((leg) => settled.includes(decision.state[leg]))) return decision;
  const ended = enter(decision.state, settlesAs);
  return { ...ended, commands: [...decision.commands, ...ended.commands], events: [...decision.events, ...ended.events] };
}

function unchanged(state: PlaceOrderSagaState): PlaceOrderDecision {
  return { state, commands: [], events: [], deadline: 'keep' };
}
