import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';

export class UpdateProductDto {
  @ApiPropertyOptional({ example: 'Gadget', maxLength: 200 })
  @IsOptional() @IsString() @Length(1, 200) @Matches(/\S/, { message: 'name must not be blank' })
  name?: string;

  @ApiPropertyOptional({ example: 999, description: 'Integer minor units' })
  @IsOptional() @IsInt() @Min(0) @Max(Number.MAX_SAFE_INTEGER)
  priceCents?: number;
}
