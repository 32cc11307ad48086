import { Body, Controller, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ApiProblemResponses } from '@eda/platform';
import { CreateProductCommand } from '../application/commands/create-product/create-product.command';
import { RestockProductCommand } from '../application/commands/restock-product/restock-product.command';
import { UpdateProductCommand } from '../application/commands/update-product/update-product.command';
import { GetProductQuery, ProductView } from '../application/queries/get-product/get-product.query';
import { CreateProductDto } from './dto/create-product.dto';
import { ProductResponseDto } from './dto/product.response.dto';
import { RestockProductDto } from './dto/restock-product.dto';
import { UpdateProductDto } from './dto/update-product.dto';
import { ParseSkuPipe } from './sku.pipe';

@ApiTags('inventory')
@Controller('products')
export class InventoryController {
  constructor(private readonly commands: CommandBus, private readonly queries: QueryBus) {}

  @Post()
  @ApiCreatedResponse({ type: ProductResponseDto, description: 'Created; inventory.ProductCreated is in the event log' })
  @ApiProblemResponses(400, 409)
  async create(@Body() body: CreateProductDto): Promise<ProductView> {
    const { sku } = await this.commands.execute(new CreateProductCommand(body.sku, body.name, body.priceCents, body.initialStock));
    return this.queries.execute(new GetProductQuery(sku));
  }

  @Get(':sku')
  @ApiOkResponse({ type: ProductResponseDto })
  @ApiProblemResponses(400, 404)
  get(@Param('sku', ParseSkuPipe) sku: string): Promise<ProductView> {
    return this.queries.execute(new GetProductQuery(sku));
  }

  @Patch(':sku')
  @ApiOkResponse({ type: ProductResponseDto, description: 'ProductRenamed / ProductPriceChanged for what really changed' })
  @ApiProblemResponses(400, 404)
  async update(@Param('sku', ParseSkuPipe) sku: string, @Body() body: UpdateProductDto): Promise<ProductView> {
    await this.commands.execute(new UpdateProductCommand(sku, body.name, body.priceCents));
    return this.queries.execute(new GetProductQuery(sku));
  }

  @Post(':sku/restock')
  @HttpCode(200)
  @ApiOkResponse({ type: ProductResponseDto, description: 'StockAdded' })
  @ApiProblemResponses(400, 404, 422)
  async restock(@Param('sku', ParseSkuPipe) sku: string, @Body() body: RestockProductDto): Promise<ProductView> {
    await this.commands.execute(new RestockProductCommand(sku, body.quantity));
    return this.queries.execute(new GetProductQuery(sku));
  }
}
