import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import type { OrderStatus } from '@eda/contracts';
import { ConcurrencyConflictError, UnitOfWork } from '@eda/platform';
import { OrderRepository } from '../../../infrastructure/persistence/order.repository';
import { PlaceOrderSagaRunner } from '../../sagas/place-order/place-order.saga-runner';
import { CancelOrderCommand } from './cancel-order.command';

const ATTEMPTS = 5;

/**
 * Cancellation is an input of the order's saga like any other: it releases what was reserved (or may
 * yet be) and the order ends CANCELLED when both releases are answered. A rejected or cancelled order
 * refuses (409); an order already being cancelled answers as it stands.
 */
@CommandHandler(CancelOrderCommand)
export class CancelOrderHandler implements ICommandHandler<CancelOrderCommand> {
  constructor(private readonly uow: UnitOfWork, private readonly saga: PlaceOrderSagaRunner) {}

  async execute({ orderId }: CancelOrderCommand): Promise<{ id: string; status: OrderStatus }> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.uow.run(async (tx) => {
          (await new OrderRepository(tx.manager).get(orderId)).requireCancellable();
          await this.saga.feed(tx, orderId, { type: 'CancelRequested' });
          return { id: orderId, status: (await new OrderRepository(tx.manager).get(orderId)).status };
        });
      } catch (error) {
        // A participant's answer moved the saga meanwhile: decide again on its new state.
        if (!(error instanceof ConcurrencyConflictError) || attempt >= ATTEMPTS) throw error;
      }
    }
  }
}
