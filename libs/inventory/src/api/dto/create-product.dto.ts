import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';
import { MAX_STOCK } from '../../domain/product.aggregate';

export class CreateProductDto {
  @ApiProperty({ example: 'WIDGET-1', description: '1-64 letters, digits, _ . - (not first)' })
  @IsString() @Matches(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, { message: 'sku must be 1-64 letters, digits, _ . - (not first)' })
  sku: string;

  @ApiProperty({ example: 'Widget', maxLength: 200 })
  @IsString() @Length(1, 200) @Matches(/\S/, { message: 'name must not be blank' })
  name: string;

  @ApiProperty({ example: 1250, description: 'Integer minor units' })
  @IsInt() @Min(0) @Max(Number.MAX_SAFE_INTEGER)
  priceCents: number;

  @ApiPropertyOptional({ example: 10, default: 0 })
  @IsOptional() @IsInt() @Min(0) @Max(MAX_STOCK)
  initialStock?: number;
}
