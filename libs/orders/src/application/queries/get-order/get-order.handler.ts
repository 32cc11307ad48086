import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { SagaStore } from '@eda/platform';
import { OrderRepository } from '../../../infrastructure/persistence/order.repository';
import { GetOrderQuery, OrderView } from './get-order.query';

@QueryHandler(GetOrderQuery)
export class GetOrderHandler implements IQueryHandler<GetOrderQuery> {
  constructor(@InjectDataSource('orders') private readonly db: DataSource) {}

  async execute({ orderId }: GetOrderQuery): Promise<OrderView> {
    // One snapshot, so the status and the history agree.
    return this.db.transaction('REPEATABLE READ', async (manager) => {
      const order = (await new OrderRepository(manager).get(orderId)).snapshot();
      const saga = await new SagaStore(manager).find(orderId);
      return {
        id: order.id,
        userId: order.userId,
        organizationId: order.organizationId,
        items: order.items,
        totalCents: order.totalCents,
        status: order.status,
        ...(order.rejectionReason ? { rejectionReason: order.rejectionReason } : {}),
        history: saga?.history ?? [],
        placedAt: order.placedAt.toISOString(),
      };
    });
  }
}
