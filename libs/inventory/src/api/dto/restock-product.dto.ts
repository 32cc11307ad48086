import { ApiProperty } from '@nestjs/swagger';
import { IsInt, Max, Min } from 'class-validator';
import { MAX_STOCK } from '../../domain/product.aggregate';

export class RestockProductDto {
  @ApiProperty({ example: 5, minimum: 1 })
  @IsInt() @Min(1) @Max(MAX_STOCK)
  quantity: number;
}
