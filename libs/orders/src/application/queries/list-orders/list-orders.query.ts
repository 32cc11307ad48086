import { Query } from '@nestjs/cqrs';
import type { OrderStatus } from '@eda/contracts';

export interface OrderSummaryView {
  id: string;
  /** Null until the orders context has seen the user's registration. */
  userName: string | null;
  organizationName: string | null;
  totalCents: number;
  status: OrderStatus;
  placedAt: string;
}

export interface OrderSummaryPage {
  items: OrderSummaryView[];
  nextCursor: string | null;
}

export class ListOrdersQuery extends Query<OrderSummaryPage> {
  constructor(
    readonly filter: { userId?: string; organizationId?: string; status?: OrderStatus },
    readonly limit: number,
    readonly cursor?: string,
  ) {
    super();
  }
}
