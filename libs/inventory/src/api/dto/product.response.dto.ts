import { ApiProperty } from '@nestjs/swagger';

export class ProductResponseDto {
  @ApiProperty() sku: string;
  @ApiProperty() name: string;
  @ApiProperty({ description: 'Integer minor units' }) priceCents: number;
  @ApiProperty({ description: 'Physically in stock' }) onHand: number;
  @ApiProperty({ description: 'Promised to orders' }) reserved: number;
  @ApiProperty({ description: 'onHand - reserved' }) available: number;
}
