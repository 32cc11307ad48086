import { AggregateRoot } from '@eda/platform/ddd';
import type { StockLine, StockRejectionReason, StockReleasedData, StockReservationRejectedData, StockReservedData } from '@eda/contracts';
import { InvalidReservationError } from './product.errors';
import type { Product } from './product.aggregate';

export type ReservationOutcome = 'RESERVED' | 'REJECTED';

export interface StockReservationState {
  orderId: string;
  outcome: ReservationOutcome;
  reason: StockRejectionReason | null;
  /** The offending skus of a rejection. */
  skus: string[];
  lines: StockLine[];
  releasedAt: Date | null;
  createdAt: Date;
}

/** One sku once, quantities summed, in sku order (the order products are locked in, so no deadlocks). */
export function normaliseLines(lines: unknown): StockLine[] {
  if (!Array.isArray(lines) || lines.length === 0) throw new InvalidReservationError('lines must be a non-empty array.');
  const bySku = new Map<string, number>();
  for (const line of lines as Array<Partial<StockLine>>) {
    if (typeof line?.sku !== 'string' || !Number.isSafeInteger(line.quantity) || (line.quantity as number) < 1) {
      throw new InvalidReservationError('every line needs a sku and a positive integer quantity.');
    }
    bySku.set(line.sku, (bySku.get(line.sku) ?? 0) + (line.quantity as number));
  }
  return [...bySku.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([sku, quantity]) => ({ sku, quantity }));
}

/**
 * The stock held for one order (id: the order id): all its lines or none. It is kept after the answer, so
 * a repeated ReserveStock is answered the same way and a repeated ReleaseStock gives nothing back twice.
 */
export class StockReservation extends AggregateRoot {
  private constructor(private state: StockReservationState) {
    super();
  }

  /**
   * Reserves every line on the given products (locked by the caller) or none: unknown products reject
   * with UNKNOWN_PRODUCT before stock is looked at, then any shortage rejects with OUT_OF_STOCK.
   */
  static place(orderId: string, requested: unknown, products: Map<string, Product>, now: Date): StockReservation {
    const lines = normaliseLines(requested);
    const unknown = lines.filter((l) => !products.has(l.sku)).map((l) => l.sku);
    const short = lines.filter((l) => products.has(l.sku) && products.get(l.sku)!.available < l.quantity).map((l) => l.sku);
    const reason: StockRejectionReason | null = unknown.length > 0 ? 'UNKNOWN_PRODUCT' : short.length > 0 ? 'OUT_OF_STOCK' : null;
    if (reason === null) for (const line of lines) products.get(line.sku)!.reserve(line.quantity, now);
    const reservation = new StockReservation({
      orderId,
      outcome: reason === null ? 'RESERVED' : 'REJECTED',
      reason,
      skus: reason === 'UNKNOWN_PRODUCT' ? unknown : reason === 'OUT_OF_STOCK' ? short : [],
      lines,
      releasedAt: null,
      createdAt: now,
    });
    reservation.recordAnswer();
    return reservation;
  }

  static restore(state: StockReservationState): StockReservation {
    return new StockReservation({ ...state, lines: state.lines.map((l) => ({ ...l })), skus: [...state.skus] });
  }

  get id(): string {
    return this.state.orderId;
  }

  get isHolding(): boolean {
    return this.state.outcome === 'RESERVED' && this.state.releasedAt === null;
  }

  snapshot(): Readonly<StockReservationState> {
    return { ...this.state };
  }

  /** A repeated ReserveStock gets the first answer again, and nothing is reserved twice. */
  answerAgain(): void {
    this.recordAnswer();
  }

  /** Gives the held stock back to the products (locked by the caller); a second release gives back nothing. */
  release(products: Map<string, Product>, now: Date): void {
    const released = this.isHolding ? this.state.lines : [];
    for (const line of released) products.get(line.sku)?.release(line.quantity, now);
    if (this.isHolding) this.state = { ...this.state, releasedAt: now };
    this.record<StockReleasedData>('StockReleased', { orderId: this.id, lines: released });
  }

  /** Answers a release of an order nothing was ever reserved for. */
  static releaseNothing(orderId: string): StockReleasedData {
    return { orderId, lines: [] };
  }

  private recordAnswer(): void {
    const { orderId, outcome, reason, skus, lines } = this.state;
    if (outcome === 'RESERVED') this.record<StockReservedData>('StockReserved', { orderId, lines });
    else this.record<StockReservationRejectedData>('StockReservationRejected', { orderId, reason: reason!, skus, lines });
  }
}
