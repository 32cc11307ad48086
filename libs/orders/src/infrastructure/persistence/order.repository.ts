import { In, type EntityManager } from 'typeorm';
import { ConcurrencyConflictError } from '@eda/platform';
import { Order } from '../../domain/order.aggregate';
import { OrderNotFoundError } from '../../domain/order.errors';
import { OrderSchema } from './order.schema';
import { ProductPriceSchema } from './read-models.schema';

/** Loads and saves orders inside the caller's transaction, with optimistic locking on `version`. */
export class OrderRepository {
  constructor(private readonly manager: EntityManager) {}

  async find(id: string): Promise<Order | null> {
    const row = await this.manager.getRepository(OrderSchema).findOneBy({ id });
    return row ? Order.restore(row) : null;
  }

  async get(id: string): Promise<Order> {
    const order = await this.find(id);
    if (!order) throw new OrderNotFoundError(id);
    return order;
  }

  async add(order: Order): Promise<void> {
    await this.manager.getRepository(OrderSchema).insert({ ...order.snapshot(), version: 1 });
  }

  /** Writes what an order's moves change (its status, reason and time); who, what and the total never change. */
  async save(order: Order): Promise<void> {
    const { id, version, status, rejectionReason, updatedAt } = order.snapshot();
    const result = await this.manager
      .getRepository(OrderSchema)
      .update({ id, version }, { status, rejectionReason, updatedAt, version: version + 1 });
    if (result.affected !== 1) throw new ConcurrencyConflictError('Order', id);
  }

  /** The prices the context knows (its read model of inventory's products) for `skus`; unknown skus are left out. */
  async pricesOf(skus: string[]): Promise<Map<string, number>> {
    if (skus.length === 0) return new Map();
    const rows = await this.manager.getRepository(ProductPriceSchema).findBy({ sku: In(skus) });
    return new Map(rows.map((r) => [r.sku, r.priceCents]));
  }
}
