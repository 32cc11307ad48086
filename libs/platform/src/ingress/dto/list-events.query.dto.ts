import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min, ValidateBy } from 'class-validator';
import { isRfc3339 } from '../incoming-cloud-event';

// PostgreSQL text cannot hold NUL: refused here with a 400 instead of failing in the driver.
// eslint-disable-next-line no-control-regex
const NO_NUL = /^[^\u0000]+$/;

function IsRfc3339(): PropertyDecorator {
  return ValidateBy({
    name: 'isRfc3339',
    validator: { validate: (value) => isRfc3339(value), defaultMessage: (a) => `${a?.property} must be an RFC 3339 date-time, e.g. 2025-01-31T12:00:00Z` },
  });
}

export class ListEventsQueryDto {
  @ApiPropertyOptional({ description: 'CloudEvents `type`, exact match', example: 'users.UserRegistered' })
  @IsOptional() @IsString() @MaxLength(256) @Matches(NO_NUL, { message: 'type must not be empty or contain NUL' })
  type?: string;

  @ApiPropertyOptional({ description: 'CloudEvents `source`, exact match', example: 'users' })
  @IsOptional() @IsString() @MaxLength(256) @Matches(NO_NUL, { message: 'source must not be empty or contain NUL' })
  source?: string;

  @ApiPropertyOptional({ description: 'CloudEvents `subject`, exact match (for a context: the aggregate id)' })
  @IsOptional() @IsString() @MaxLength(256) @Matches(NO_NUL, { message: 'subject must not be empty or contain NUL' })
  subject?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Only events whose `time` is later (RFC 3339)' })
  @IsOptional() @IsRfc3339()
  after?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Only events whose `time` is earlier (RFC 3339)' })
  @IsOptional() @IsRfc3339()
  before?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 500, default: 100 })
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(500)
  limit?: number;

  @ApiPropertyOptional({ description: 'The `nextCursor` of the previous page' })
  @IsOptional() @IsString() @MaxLength(512)
  cursor?: string;
}

export class GetEventQueryDto {
  @ApiPropertyOptional({ description: 'The event\'s source, when several sources used the same id' })
  @IsOptional() @IsString() @MaxLength(256) @Matches(NO_NUL, { message: 'source must not be empty or contain NUL' })
  source?: string;
}
