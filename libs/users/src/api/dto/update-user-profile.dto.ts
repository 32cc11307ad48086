import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Length, Matches } from 'class-validator';

export class UpdateUserProfileDto {
  @ApiPropertyOptional({ example: 'Ada', maxLength: 100 })
  @IsOptional() @IsString() @Length(1, 100) @Matches(/\S/, { message: 'firstName must not be blank' })
  firstName?: string;

  @ApiPropertyOptional({ example: 'King', maxLength: 100 })
  @IsOptional() @IsString() @Length(1, 100) @Matches(/\S/, { message: 'lastName must not be blank' })
  lastName?: string;
}
