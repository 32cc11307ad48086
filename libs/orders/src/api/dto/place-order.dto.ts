import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsInt, IsString, IsUUID, Matches, Max, Min, ValidateNested } from 'class-validator';
import { MAX_LINE_QUANTITY, MAX_ORDER_LINES } from '../../domain/order-lines.rule';

export class OrderLineDto {
  @ApiProperty({ example: 'WIDGET-1', description: '1-64 letters, digits, _ . - (not first)' })
  @IsString() @Matches(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, { message: 'sku must be 1-64 letters, digits, _ . - (not first)' })
  sku: string;

  @ApiProperty({ example: 2, minimum: 1, maximum: MAX_LINE_QUANTITY })
  @IsInt() @Min(1) @Max(MAX_LINE_QUANTITY)
  quantity: number;
}

export class PlaceOrderDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  userId: string;

  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  organizationId: string;

  @ApiProperty({ type: [OrderLineDto], minItems: 1, maxItems: MAX_ORDER_LINES, description: 'Each sku once' })
  // A repeated sku is refused, not merged: the order shows exactly what was asked (ADR 0006).
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(MAX_ORDER_LINES) @ValidateNested({ each: true }) @Type(() => OrderLineDto)
  @ArrayUnique((line: OrderLineDto) => line?.sku, { message: 'items must name each sku once' })
  items: OrderLineDto[];
}
