import { Command } from '@nestjs/cqrs';
import type { OrderStatus } from '@eda/contracts';

export class CancelOrderCommand extends Command<{ id: string; status: OrderStatus }> {
  constructor(readonly orderId: string) {
    super();
  }
}
