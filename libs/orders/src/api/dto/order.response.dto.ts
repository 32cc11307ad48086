import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

const STATUSES = ['PENDING', 'APPROVED', 'REJECTED', 'CANCELLING', 'CANCELLED'];
const REASONS = ['CUSTOMER_NOT_ELIGIBLE', 'UNKNOWN_PRODUCT', 'OUT_OF_STOCK', 'CREDIT_LIMIT_EXCEEDED', 'TIMEOUT'];

export class PlacedOrderResponseDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ enum: STATUSES }) status: string;
}

export class OrderItemResponseDto {
  @ApiProperty() sku: string;
  @ApiProperty() quantity: number;
  @ApiProperty({ nullable: true, description: 'Null for a sku the orders context knew no price of (the order is then rejected UNKNOWN_PRODUCT)' })
  unitPriceCents: number;
}

export class OrderHistoryEntryDto {
  @ApiProperty({ example: 'RESERVING' }) step: string;
  @ApiProperty({ format: 'date-time' }) at: string;
}

export class OrderResponseDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) userId: string;
  @ApiProperty({ format: 'uuid' }) organizationId: string;
  @ApiProperty({ type: [OrderItemResponseDto] }) items: OrderItemResponseDto[];
  @ApiProperty() totalCents: number;
  @ApiProperty({ enum: STATUSES }) status: string;
  @ApiPropertyOptional({ enum: REASONS }) rejectionReason?: string;
  @ApiProperty({ type: [OrderHistoryEntryDto], description: 'The saga steps, oldest first' }) history: OrderHistoryEntryDto[];
  @ApiProperty({ format: 'date-time' }) placedAt: string;
}

export class OrderSummaryResponseDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ nullable: true }) userName: string;
  @ApiProperty({ nullable: true }) organizationName: string;
  @ApiProperty() totalCents: number;
  @ApiProperty({ enum: STATUSES }) status: string;
  @ApiProperty({ format: 'date-time' }) placedAt: string;
}

export class OrderSummaryPageResponseDto {
  @ApiProperty({ type: [OrderSummaryResponseDto] }) items: OrderSummaryResponseDto[];
  @ApiProperty({ nullable: true }) nextCursor: string;
}
