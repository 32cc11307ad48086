import { Body, Controller, Get, Headers, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiAcceptedResponse, ApiHeader, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { OrderStatus } from '@eda/contracts';
import { ApiProblemResponses, ValidationProblem } from '@eda/platform';
import { CancelOrderCommand } from '../application/commands/cancel-order/cancel-order.command';
import { PlacedOrder, PlaceOrderCommand } from '../application/commands/place-order/place-order.command';
import { GetOrderQuery, OrderView } from '../application/queries/get-order/get-order.query';
import { ListOrdersQuery, OrderSummaryPage } from '../application/queries/list-orders/list-orders.query';
import { ListOrdersQueryDto } from './dto/list-orders.query.dto';
import { OrderResponseDto, OrderSummaryPageResponseDto, PlacedOrderResponseDto } from './dto/order.response.dto';
import { PlaceOrderDto } from './dto/place-order.dto';

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

@ApiTags('orders')
@Controller('orders')
export class OrdersController {
  constructor(private readonly commands: CommandBus, private readonly queries: QueryBus) {}

  @Post()
  @HttpCode(202)
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: '1-255 visible ASCII characters; a repeat with the same body answers with the same order, with another body 409' })
  @ApiAcceptedResponse({ type: PlacedOrderResponseDto, description: 'Placed as PENDING; the order, its saga, orders.OrderPlaced and inventory.ReserveStock are committed' })
  @ApiProblemResponses(400, 409, 422)
  place(@Body() body: PlaceOrderDto, @Headers('idempotency-key') idempotencyKey?: string): Promise<PlacedOrder> {
    if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY.test(idempotencyKey)) {
      throw new ValidationProblem({ 'Idempotency-Key': ['Idempotency-Key must be 1-255 visible ASCII characters'] });
    }
    const items = body.items.map((i) => ({ sku: i.sku, quantity: i.quantity }));
    return this.commands.execute(new PlaceOrderCommand(body.userId, body.organizationId, items, idempotencyKey));
  }

  @Get()
  @ApiOkResponse({ type: OrderSummaryPageResponseDto, description: 'Newest first, from the order_summaries projection (eventually consistent)' })
  @ApiProblemResponses(400)
  list(@Query() query: ListOrdersQueryDto): Promise<OrderSummaryPage> {
    return this.queries.execute(
      new ListOrdersQuery({ userId: query.userId, organizationId: query.organizationId, status: query.status }, query.limit ?? 20, query.cursor),
    );
  }

  @Get(':id')
  @ApiOkResponse({ type: OrderResponseDto })
  @ApiProblemResponses(400, 404)
  get(@Param('id', new ParseUUIDPipe()) id: string): Promise<OrderView> {
    return this.queries.execute(new GetOrderQuery(id));
  }

  @Post(':id/cancel')
  @HttpCode(202)
  @ApiAcceptedResponse({ type: PlacedOrderResponseDto, description: 'CANCELLING: the releases are sent; CANCELLED once both are answered' })
  @ApiProblemResponses(400, 404, 409)
  cancel(@Param('id', new ParseUUIDPipe()) id: string): Promise<{ id: string; status: OrderStatus }> {
    return this.commands.execute(new CancelOrderCommand(id));
  }
}
