import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { OrderStatus } from '@eda/contracts';
import { isUuid, ValidationProblem } from '@eda/platform';
import { ListOrdersQuery, OrderSummaryPage } from './list-orders.query';


function encodeCursor(placedAt: string, id: string): string {
  return Buffer.from(JSON.stringify([placedAt, id])).toString('base64url');
}

function decodeCursor(cursor: string): [string, string] | null {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2 && !Number.isNaN(Date.parse(value[0])) && isUuid(value[1])) {
      return [new Date(value[0]).toISOString(), value[1]];
    }
  } catch {
    // Not a cursor this API made.
  }
  return null;
}

/** GET /orders: the order_summaries projection, newest first, keyset-paged on (placed_at, id). */
@QueryHandler(ListOrdersQuery)
export class ListOrdersHandler implements IQueryHandler<ListOrdersQuery> {
  constructor(@InjectDataSource('orders') private readonly db: DataSource) {}

  async execute({ filter, limit, cursor }: ListOrdersQuery): Promise<OrderSummaryPage> {
    const after = cursor === undefined ? null : decodeCursor(cursor);
    if (cursor !== undefined && !after) throw new ValidationProblem({ cursor: ['cursor must be a nextCursor this API returned'] });
    const rows: Array<{ order_id: string; user_name: string | null; organization_name: string | null; total_cents: string; status: OrderStatus; placed_at: Date }> =
      await this.db.query(
        `SELECT s.order_id, u.name AS user_name, o.name AS organization_name, s.total_cents, s.status, s.placed_at
           FROM order_summaries s
           LEFT JOIN user_names u ON u.user_id = s.user_id
           LEFT JOIN organization_names o ON o.organization_id = s.organization_id
          WHERE ($1::uuid IS NULL OR s.user_id = $1)
            AND ($2::uuid IS NULL OR s.organization_id = $2)
            AND ($3::text IS NULL OR s.status = $3)
            AND ($4::timestamptz IS NULL OR (s.placed_at, s.order_id) < ($4::timestamptz, $5::uuid))
          ORDER BY s.placed_at DESC, s.order_id DESC
          LIMIT $6`,
        [filter.userId ?? null, filter.organizationId ?? null, filter.status ?? null, after?.[0] ?? null, after?.[1] ?? null, limit + 1],
      );
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map((r) => ({
        id: r.order_id,
        userName: r.user_name,
        organizationName: r.organization_name,
        totalCents: Number(r.total_cents),
        status: r.status,
        placedAt: r.placed_at.toISOString(),
      })),
      nextCursor: rows.length > limit && last ? encodeCursor(last.placed_at.toISOString(), last.order_id) : null,
    };
  }
}
