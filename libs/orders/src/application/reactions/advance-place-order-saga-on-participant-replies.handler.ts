import { Injectable } from '@nestjs/common';
import type { CreditRejectionReason, StockRejectionReason } from '@eda/contracts';
import { InventoryEventTypes, OrganizationsEventTypes } from '@eda/contracts';
import { CloudEvent, isUuid, OnMessage, SetBasedHandler, TransactionScope } from '@eda/platform';
import { InvalidOrderError } from '../../domain/order.errors';
import { OrderSagasInTransaction } from '../../infrastructure/persistence/order-sagas-in-transaction';
import { PlaceOrderInput, PlaceOrderSagaState } from '../sagas/place-order/place-order.saga';
import { PlaceOrderSagaRunner } from '../sagas/place-order/place-order.saga-runner';

const STOCK_REASONS: StockRejectionReason[] = ['OUT_OF_STOCK', 'UNKNOWN_PRODUCT'];
const CREDIT_REASONS: CreditRejectionReason[] = ['CREDIT_LIMIT_EXCEEDED', 'CUSTOMER_NOT_ELIGIBLE'];

/** The saga input a participant's answer is; an answer that cannot be read is an error (retried, then parked). */
export function toSagaInput(event: CloudEvent): { orderId: string; input: PlaceOrderInput } {
  const data = (event.data ?? {}) as { orderId?: unknown; reason?: unknown };
  // Order ids are uuids, as the sagas hold them (lower case): no saga could be found by another id.
  if (!isUuid(data.orderId)) throw new InvalidOrderError(`${event.type} ${event.id} carries no orderId (a uuid).`);
  const orderId = data.orderId.toLowerCase();
  switch (event.type) {
    case InventoryEventTypes.StockReserved:
      return { orderId, input: { type: 'StockReserved' } };
    case InventoryEventTypes.StockReleased:
      return { orderId, input: { type: 'StockReleased' } };
    case OrganizationsEventTypes.CreditReserved:
      return { orderId, input: { type: 'CreditReserved' } };
    case OrganizationsEventTypes.CreditReleased:
      return { orderId, input: { type: 'CreditReleased' } };
    case InventoryEventTypes.StockReservationRejected:
      if (!STOCK_REASONS.includes(data.reason as StockRejectionReason)) break;
      return { orderId, input: { type: 'StockReservationRejected', reason: data.reason as StockRejectionReason } };
    case OrganizationsEventTypes.CreditReservationRejected:
      if (!CREDIT_REASONS.includes(data.reason as CreditRejectionReason)) break;
      return { orderId, input: { type: 'CreditReservationRejected', reason: data.reason as CreditRejectionReason } };
  }
  throw new InvalidOrderError(`${event.type} ${event.id} is not an answer the place-order saga understands.`);
}

/**
 * Drives the place-order saga with the participants' answers (keyed by the order id on inventory-events
 * and organizations-events). The consumer runs it once per message (inbox) in the orders unit of work;
 * the saga row's lock (and its version, as a guard) makes two answers of one saga, read concurrently from
 * two streams, apply one after the other. A batch of answers is loaded and locked once and written once
 * (SetBasedHandler, OrderSagasInTransaction); each is decided in order.
 */
@Injectable()
@OnMessage(
  [
    InventoryEventTypes.StockReserved,
    InventoryEventTypes.StockReservationRejected,
    InventoryEventTypes.StockReleased,
    OrganizationsEventTypes.CreditReserved,
    OrganizationsEventTypes.CreditReservationRejected,
    OrganizationsEventTypes.CreditReleased,
  ],
  { handler: 'orders.place-order-saga', context: 'orders' },
)
export class AdvancePlaceOrderSagaOnParticipantRepliesHandler extends SetBasedHandler<OrderSagasInTransaction<PlaceOrderSagaState>> {
  constructor(private readonly saga: PlaceOrderSagaRunner) {
    super();
  }

  protected load(events: CloudEvent[], tx: TransactionScope): Promise<OrderSagasInTransaction<PlaceOrderSagaState>> {
    const orderIds = events.map((e) => (e.data as { orderId?: unknown } | undefined)?.orderId).filter((id): id is string => typeof id === 'string');
    return OrderSagasInTransaction.load<PlaceOrderSagaState>(tx.manager, orderIds);
  }

  protected async decide(event: CloudEvent, sagas: OrderSagasInTransaction<PlaceOrderSagaState>, tx: TransactionScope): Promise<void> {
    const { orderId, input } = toSagaInput(event);
    await this.saga.apply(tx, sagas, orderId, input);
  }
}
