import { ApiProperty } from '@nestjs/swagger';
import { IsInt, IsString, Length, Matches, Max, Min } from 'class-validator';

export class CreateOrganizationDto {
  @ApiProperty({ example: 'Acme', maxLength: 200 })
  @IsString() @Length(1, 200) @Matches(/\S/, { message: 'name must not be blank' })
  name: string;

  @ApiProperty({ example: 100000, description: 'Integer minor units' })
  @IsInt() @Min(0) @Max(Number.MAX_SAFE_INTEGER)
  creditLimitCents: number;
}
