import { Controller, HttpCode, Post } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { OrdersProjectionsRebuilder } from '../application/projections/orders-projections.rebuilder';

type Rebuilt = Promise<{ projection: string; replayed: number }>;

/** Operations routes, served by every process whatever its roles (docs/contract.md §2). */
@ApiTags('operations')
@Controller('ops/projections')
export class OrdersProjectionsController {
  constructor(private readonly rebuilder: OrdersProjectionsRebuilder) {}

  @Post('orders.product-prices/rebuild')
  @HttpCode(200)
  @ApiOkResponse({ description: 'Rebuilt orders.product_prices from the inventory event log' })
  productPrices(): Rebuilt {
    return this.rebuild('orders.product-prices');
  }

  @Post('orders.user-names/rebuild')
  @HttpCode(200)
  @ApiOkResponse({ description: 'Rebuilt orders.user_names from the users event log' })
  userNames(): Rebuilt {
    return this.rebuild('orders.user-names');
  }

  @Post('orders.organization-names/rebuild')
  @HttpCode(200)
  @ApiOkResponse({ description: 'Rebuilt orders.organization_names from the organizations event log' })
  organizationNames(): Rebuilt {
    return this.rebuild('orders.organization-names');
  }

  @Post('orders.order-summaries/rebuild')
  @HttpCode(200)
  @ApiOkResponse({ description: 'Rebuilt orders.order_summaries from the orders event log' })
  orderSummaries(): Rebuilt {
    return this.rebuild('orders.order-summaries');
  }

  private async rebuild(projection: string): Rebuilt {
    return { projection, ...(await this.rebuilder.rebuild(projection)) };
  }
}
