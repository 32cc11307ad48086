import { Command } from '@nestjs/cqrs';

export interface PlacedOrder {
  id: string;
  status: 'PENDING';
}

export class PlaceOrderCommand extends Command<PlacedOrder> {
  constructor(
    readonly userId: string,
    readonly organizationId: string,
    readonly items: Array<{ sku: string; quantity: number }>,
    readonly idempotencyKey?: string,
  ) {
    super();
  }
}
