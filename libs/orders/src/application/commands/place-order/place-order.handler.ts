import { createHash } from 'node:crypto';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { Clock, IdGenerator, UnitOfWork } from '@eda/platform';
import { Order } from '../../../domain/order.aggregate';
import { IdempotencyKeyConflictError } from '../../../domain/order.errors';
import { IdempotencyKeyRepository } from '../../../infrastructure/persistence/idempotency-key.repository';
import { OrderRepository } from '../../../infrastructure/persistence/order.repository';
import { PlaceOrderSagaRunner } from '../../sagas/place-order/place-order.saga-runner';
import { PlaceOrderCommand, PlacedOrder } from './place-order.command';

/** The request as the idempotency key remembers it: same fields, same order of items. */
function requestHash({ userId, organizationId, items }: PlaceOrderCommand): string {
  const canonical = JSON.stringify([userId.toLowerCase(), organizationId.toLowerCase(), items.map((i) => [i.sku, i.quantity])]);
  return createHash('sha256').update(canonical).digest('hex');
}

/**
 * One transaction (docs/architecture.md §2): the order, its saga instance and the event-log rows [orders.OrderPlaced,
 * inventory.ReserveStock] commit together; the relay publishes them, the consumer brings the answers.
 * With an Idempotency-Key, a repeat of the same request answers with the order the first one placed.
 */
@CommandHandler(PlaceOrderCommand)
export class PlaceOrderHandler implements ICommandHandler<PlaceOrderCommand> {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly clock: Clock,
    private readonly ids: IdGenerator,
    private readonly saga: PlaceOrderSagaRunner,
  ) {}

  execute(command: PlaceOrderCommand): Promise<PlacedOrder> {
    return this.uow.run(async (tx) => {
      const now = this.clock.now();
      const id = this.ids.next();
      if (command.idempotencyKey !== undefined) {
        const hash = requestHash(command);
        const key = await new IdempotencyKeyRepository(tx.manager).claim(command.idempotencyKey, hash, id, now);
        if (!key.claimed) {
          if (key.requestHash !== hash) throw new IdempotencyKeyConflictError();
          // The first answer again: the order was accepted as PENDING; GET /orders/:id tells where it is now.
          return { id: key.orderId, status: 'PENDING' };
        }
      }
      const orders = new OrderRepository(tx.manager);
      const prices = await orders.pricesOf(command.items.map((i) => i.sku));
      const order = Order.place({ id, userId: command.userId, organizationId: command.organizationId, lines: command.items }, prices, now);
      // The order's row and its saga's go to the database with the events, in one statement at commit.
      tx.insertWithEvents(OrderRepository.adding(order));
      tx.collect(order);
      this.saga.start(tx, order);
      return { id, status: 'PENDING' };
    });
  }
}
