import { Query } from '@nestjs/cqrs';
import type { OrderItem, OrderRejectionReason, OrderStatus } from '@eda/contracts';

export interface OrderView {
  id: string;
  userId: string;
  organizationId: string;
  items: OrderItem[];
  totalCents: number;
  status: OrderStatus;
  rejectionReason?: OrderRejectionReason;
  /** The saga steps the order went through, oldest first. */
  history: Array<{ step: string; at: string }>;
  placedAt: string;
}

export class GetOrderQuery extends Query<OrderView> {
  constructor(readonly orderId: string) {
    super();
  }
}
