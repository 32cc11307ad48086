import { AggregateRoot } from '@eda/platform/ddd';
import type {
  OrderApprovedData,
  OrderCancellationRequestedData,
  OrderCancelledData,
  OrderItem,
  OrderPlacedData,
  OrderRejectedData,
  OrderRejectionReason,
  OrderStatus,
} from '@eda/contracts';
import { InvalidOrderError, OrderAlreadyEndedError, OrderInvalidStateError } from './order.errors';
import { RequestedLine, requireValidLines } from './order-lines.rule';

export interface OrderState {
  id: string;
  userId: string;
  organizationId: string;
  items: OrderItem[];
  totalCents: number;
  status: OrderStatus;
  rejectionReason: OrderRejectionReason | null;
  version: number;
  placedAt: Date;
  updatedAt: Date;
}

/**
 * An order: what was asked for at which prices, and where it stands. Its status only moves along
 * PENDING → APPROVED | REJECTED, PENDING | APPROVED → CANCELLING → CANCELLED; the place-order saga decides
 * when, the order refuses any other move.
 */
export class Order extends AggregateRoot {
  private constructor(private state: OrderState) {
    super();
  }

  /**
   * Prices each line from `prices` (the orders context's view of the catalogue at this moment). A sku with
   * no known price keeps a null price and counts for nothing in the total; the saga rejects such an order
   * with UNKNOWN_PRODUCT (after the inventory had its say on the sku).
   */
  static place(
    input: { id: string; userId: string; organizationId: string; lines: readonly RequestedLine[] },
    prices: ReadonlyMap<string, number>,
    now: Date,
  ): Order {
    const items: OrderItem[] = requireValidLines(input.lines).map((l) => ({ ...l, unitPriceCents: prices.get(l.sku) ?? null }));
    const totalCents = items.reduce((sum, i) => sum + (i.unitPriceCents ?? 0) * i.quantity, 0);
    if (!Number.isSafeInteger(totalCents)) throw new InvalidOrderError('The order total is too large to be represented exactly.');
    const order = new Order({
      id: input.id,
      userId: input.userId,
      organizationId: input.organizationId,
      items,
      totalCents,
      status: 'PENDING',
      rejectionReason: null,
      version: 0,
      placedAt: now,
      updatedAt: now,
    });
    order.record<OrderPlacedData>('OrderPlaced', {
      orderId: order.id,
      userId: order.state.userId,
      organizationId: order.state.organizationId,
      items: items.map((i) => ({ ...i })),
      totalCents,
      placedAt: now.toISOString(),
    });
    return order;
  }

  static restore(state: OrderState): Order {
    return new Order({ ...state, items: state.items.map((i) => ({ ...i })) });
  }

  get id(): string {
    return this.state.id;
  }

  get status(): OrderStatus {
    return this.state.status;
  }

  /** Skus the order could not be priced for. */
  get unpricedSkus(): string[] {
    return this.state.items.filter((i) => i.unitPriceCents === null).map((i) => i.sku);
  }

  snapshot(): Readonly<OrderState> {
    return { ...this.state, items: this.state.items.map((i) => ({ ...i })) };
  }

  approve(now: Date): void {
    this.requireStatus(['PENDING'], 'approved');
    this.state = { ...this.state, status: 'APPROVED', updatedAt: now };
    this.record<OrderApprovedData>('OrderApproved', { orderId: this.id, totalCents: this.state.totalCents });
  }

  reject(reason: OrderRejectionReason, now: Date): void {
    this.requireStatus(['PENDING'], 'rejected');
    this.state = { ...this.state, status: 'REJECTED', rejectionReason: reason, updatedAt: now };
    this.record<OrderRejectedData>('OrderRejected', { orderId: this.id, reason });
  }

  /** Refuses (409) to cancel an order that already ended. */
  requireCancellable(): void {
    const status = this.state.status;
    if (status === 'REJECTED' || status === 'CANCELLED') throw new OrderAlreadyEndedError(this.id, status);
  }

  /**
   * Asks for the order to be undone. Returns false when it is already being cancelled (a repeated request
   * changes nothing); refuses an order that already ended.
   */
  requestCancellation(now: Date): boolean {
    this.requireCancellable();
    if (this.state.status === 'CANCELLING') return false;
    this.state = { ...this.state, status: 'CANCELLING', updatedAt: now };
    this.record<OrderCancellationRequestedData>('OrderCancellationRequested', { orderId: this.id });
    return true;
  }

  /** Everything the order held was given back. */
  markCancelled(now: Date): void {
    this.requireStatus(['CANCELLING'], 'marked cancelled');
    this.state = { ...this.state, status: 'CANCELLED', updatedAt: now };
    this.record<OrderCancelledData>('OrderCancelled', { orderId: this.id });
  }

  private requireStatus(allowed: OrderStatus[], action: string): void {
    if (!allowed.includes(this.state.status)) throw new OrderInvalidStateError(this.id, this.state.status, action);
  }
}
