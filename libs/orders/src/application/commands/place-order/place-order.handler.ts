import { createHash } from 'node:crypto';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { Clock, IdGenerator, SharedReads, TransactionScope, UnitOfWork } from '@eda/platform';
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
 * inventory.ReserveStock, organizations.ReserveCredit] commit together; the relay publishes them, the consumer brings
 * the answers. Without an Idempotency-Key that transaction is one statement, after the price lookup (which
 * concurrent requests share): two round trips in all (docs/adr/0022-new-rows-ride-with-the-events.md). With one, a
 * repeat of the same request answers with the order the first one placed; the key is claimed in the order's
 * transaction, so a concurrent repeat waits for it.
 */
@CommandHandler(PlaceOrderCommand)
export class PlaceOrderHandler implements ICommandHandler<PlaceOrderCommand> {
  /** The price lookup of concurrent POST /orders, one statement for all of them (docs/adr/0022-new-rows-ride-with-the-events.md). */
  private readonly prices: SharedReads<number>;

  constructor(
    private readonly uow: UnitOfWork,
    private readonly clock: Clock,
    private readonly ids: IdGenerator,
    private readonly saga: PlaceOrderSagaRunner,
  ) {
    this.prices = new SharedReads((skus) => new OrderRepository(this.uow.dataSource.manager).pricesOf(skus));
  }

  async execute(command: PlaceOrderCommand): Promise<PlacedOrder> {
    const { idempotencyKey } = command;
    if (idempotencyKey === undefined) {
      const prices = await this.prices.get(command.items.map((i) => i.sku));
      return this.uow.runInOneStatement((tx) => this.place(tx, command, this.ids.next(), prices, this.clock.now()));
    }
    return this.uow.run(async (tx) => {
      const now = this.clock.now();
      const id = this.ids.next();
      const hash = requestHash(command);
      const key = await new IdempotencyKeyRepository(tx.manager).claim(idempotencyKey, hash, id, now);
      if (!key.claimed) {
        if (key.requestHash !== hash) throw new IdempotencyKeyConflictError();
        // The first answer again: the order was accepted as PENDING; GET /orders/:id tells where it is now.
        return { id: key.orderId, status: 'PENDING' };
      }
      const prices = await new OrderRepository(tx.manager).pricesOf(command.items.map((i) => i.sku));
      return this.place(tx, command, id, prices, now);
    });
  }

  /** The order priced from `prices`, its row and its saga's added with its events (sent at commit, in one statement). */
  private place(tx: TransactionScope, command: PlaceOrderCommand, id: string, prices: ReadonlyMap<string, number>, now: Date): PlacedOrder {
    const order = Order.place({ id, userId: command.userId, organizationId: command.organizationId, lines: command.items }, prices, now);
    tx.insertWithEvents(OrderRepository.adding(order));
    tx.collect(order);
    this.saga.start(tx, order);
    return { id, status: 'PENDING' };
  }
}
