import type { EntityManager } from 'typeorm';
import { LockedSagas, SagaChange, SagaInstance, SagaStore } from '@eda/platform';
import type { Order } from '../../domain/order.aggregate';
import { OrderRepository } from './order.repository';

/**
 * The sagas of orders (the place-order saga's, of state `S`: a saga's id is its order's) and the orders one
 * transaction decides on, for one input or a consumer's batch of answers: the sagas locked in one statement and, for
 * several, their orders read in one more; decided in memory in input order (a second answer of one saga decides on
 * what the first left); written once, every moved order in one UPDATE and every advanced saga in one more, each
 * conditional on the version read. A batch of answers costs four statements however many it holds, instead of up
 * to four per answer.
 */
export class OrderSagasInTransaction<S> {
  private readonly moved = new Set<Order>();

  private constructor(
    private readonly manager: EntityManager,
    private readonly sagas: LockedSagas<S>,
    private readonly orders: Map<string, Order>,
  ) {}

  /** Locks the sagas of `orderIds` (an id that is no saga's is left out). */
  static async load<S>(manager: EntityManager, orderIds: string[]): Promise<OrderSagasInTransaction<S>> {
    const sagas = await new SagaStore(manager).findManyForUpdate<S>(orderIds);
    // Several sagas: their orders at once, some will move. One: its order only if its decision moves it, as
    // most answers do not (the first of the two reservations, the releases).
    const orders = sagas.ids().length > 1 ? await new OrderRepository(manager).findMany(sagas.ids()) : new Map<string, Order>();
    return new OrderSagasInTransaction(manager, sagas, orders);
  }

  /** A saga the caller already read and locked (the deadline scheduler's claim). */
  static holding<S>(manager: EntityManager, saga: SagaInstance<S>): OrderSagasInTransaction<S> {
    return new OrderSagasInTransaction(manager, new LockedSagas([saga]), new Map());
  }

  saga(orderId: string): SagaInstance<S> | undefined {
    return this.sagas.get(orderId);
  }

  advance(orderId: string, change: SagaChange<S>, now: Date): void {
    this.sagas.advance(orderId, change, now);
  }

  /** The order of a held saga, to move: `save` writes it. */
  async orderToMove(orderId: string): Promise<Order> {
    let order = this.orders.get(orderId);
    if (!order) {
      order = await new OrderRepository(this.manager).get(orderId);
      this.orders.set(orderId, order);
    }
    this.moved.add(order);
    return order;
  }

  async save(): Promise<void> {
    await new OrderRepository(this.manager).saveMany([...this.moved]);
    this.moved.clear();
    await new SagaStore(this.manager).advanceMany(this.sagas.takeAdvances());
  }
}
