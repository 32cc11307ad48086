import { Injectable, Logger } from '@nestjs/common';
import { AppConfig, Clock, command, SagaInstance, SagaStore, TransactionScope } from '@eda/platform';
import { Order } from '../../../domain/order.aggregate';
import { OrderSagasInTransaction } from '../../../infrastructure/persistence/order-sagas-in-transaction';
import {
  decide,
  PLACE_ORDER_SAGA,
  PlaceOrderDecision,
  PlaceOrderEvent,
  PlaceOrderInput,
  PlaceOrderSagaCommand,
  PlaceOrderSagaState,
  sagaStatusOf,
  startPlaceOrder,
} from './place-order.saga';

/**
 * Applies the saga's decisions inside the caller's orders transaction: the saga row (optimistic version),
 * the order (its events, through the aggregate's rules) and the commands to the participants commit together.
 */
@Injectable()
export class PlaceOrderSagaRunner {
  private readonly logger = new Logger('PlaceOrderSaga');

  constructor(private readonly clock: Clock, private readonly config: AppConfig) {}

  /** Starts the order's saga: its row and its first commands go with the transaction's events (TransactionScope.insertWithEvents). */
  start(tx: TransactionScope, order: Order): void {
    const s = order.snapshot();
    const decision = startPlaceOrder({
      orderId: s.id,
      userId: s.userId,
      organizationId: s.organizationId,
      lines: s.items.map((i) => ({ sku: i.sku, quantity: i.quantity })),
      totalCents: s.totalCents,
      unpricedSkus: order.unpricedSkus,
    });
    const now = this.clock.now();
    tx.insertWithEvents(
      SagaStore.starting(
        { id: s.id, sagaType: PLACE_ORDER_SAGA, status: sagaStatusOf(decision.state.step), step: decision.state.step, state: decision.state, deadline: this.deadline(decision, null, now) },
        now,
      ),
    );
    this.publish(tx, decision.commands);
  }

  /**
   * Feeds one input to the order's saga and writes what it decided. Returns false when there is no such saga (a
   * reply about an order this context never placed). `locked`: the instance the caller already read and locked
   * (the deadline scheduler); else it is read and locked here.
   */
  async feed(tx: TransactionScope, orderId: string, input: PlaceOrderInput, locked?: SagaInstance): Promise<boolean> {
    // Locked for the transaction: the stock and credit answers of one saga come in parallel (ADR 0016) and
    // would otherwise often decide on the same version, the loser retrying after a backoff.
    const sagas = locked
      ? OrderSagasInTransaction.holding(tx.manager, locked as SagaInstance<PlaceOrderSagaState>)
      : await OrderSagasInTransaction.load<PlaceOrderSagaState>(tx.manager, [orderId]);
    const fed = await this.apply(tx, sagas, orderId, input);
    await sagas.save();
    return fed;
  }

  /**
   * Decides one input on the saga as `sagas` holds it (a batch's earlier inputs included) and applies it in memory:
   * the saga advanced, the order moved (its events collected), the commands published; `sagas.save()` writes
   * them. Returns false when there is no such saga.
   */
  async apply(tx: TransactionScope, sagas: OrderSagasInTransaction<PlaceOrderSagaState>, orderId: string, input: PlaceOrderInput): Promise<boolean> {
    const instance = sagas.saga(orderId);
    if (!instance || instance.sagaType !== PLACE_ORDER_SAGA) {
      this.logger.warn({ orderId, input: input.type }, 'no place-order saga for this order; input ignored');
      return false;
    }
    const decision = decide(instance.state, input);
    const now = this.clock.now();
    const deadline = this.deadline(decision, instance.deadline, now);
    const changed = JSON.stringify(decision.state) !== JSON.stringify(instance.state) || deadline?.getTime() !== instance.deadline?.getTime();
    if (!changed && decision.commands.length === 0 && decision.events.length === 0) return true;
    if (decision.events.length > 0) {
      const order = await sagas.orderToMove(orderId);
      for (const event of decision.events) this.applyToOrder(order, event, now);
      tx.collect(order);
    }
    this.publish(tx, decision.commands);
    // Written conditional on the version read, as a guard behind the lock: should a write ever slip past it,
    // `save` throws and the whole transaction (inbox rows included) rolls back, so the inputs are applied again.
    const status = sagaStatusOf(decision.state.step);
    sagas.advance(orderId, { status, step: decision.state.step, state: decision.state, deadline }, now);
    if (status === 'STUCK' && instance.status !== 'STUCK') {
      // Once per saga (it enters STUCK once): the alert an operator acts on, with what to look at.
      this.logger.error(
        { orderId, step: decision.state.step, stock: decision.state.stock, credit: decision.state.credit, resends: decision.state.releaseResends },
        'place-order saga is STUCK: its releases went unanswered after every re-send; it sends nothing more. Look for its answers in /ops/dead-letters (key = order id) or a participant that is down; a retried answer ends it.',
      );
    }
    return true;
  }

  private applyToOrder(order: Order, event: PlaceOrderEvent, now: Date): void {
    switch (event.name) {
      case 'OrderApproved':
        return order.approve(now);
      case 'OrderRejected':
        return order.reject(event.reason, now);
      case 'OrderCancellationRequested':
        order.requestCancellation(now);
        return;
      case 'OrderCancelled':
        return order.markCancelled(now);
    }
  }

  /** Commands are keyed by the saga id, so each participant sees one saga's commands in the order sent. */
  private publish(tx: TransactionScope, commands: PlaceOrderSagaCommand[]): void {
    for (const c of commands) tx.publish(command(c.target, c.name, c.data.orderId, c.data.orderId, c.data));
  }

  private deadline(decision: PlaceOrderDecision, current: Date | null, now: Date): Date | null {
    if (decision.deadline === 'clear') return null;
    if (decision.deadline === 'keep') return current;
    return new Date(now.getTime() + this.config.SAGA_TIMEOUT_SECONDS * 1000);
  }
}
