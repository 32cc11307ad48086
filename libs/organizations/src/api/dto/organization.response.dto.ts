import { ApiProperty } from '@nestjs/swagger';

export class OrganizationMemberDto {
  @ApiProperty({ format: 'uuid' }) userId: string;
  @ApiProperty({ nullable: true, description: 'From a read model fed by users events' }) username: string;
  @ApiProperty({ nullable: true, description: 'From a read model fed by users events' }) fullName: string;
  @ApiProperty({ enum: ['admin', 'member'] }) role: string;
}

export class OrganizationResponseDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty({ description: 'Integer minor units' }) creditLimitCents: number;
  @ApiProperty({ description: 'Held by orders in progress' }) creditReservedCents: number;
  @ApiProperty({ description: 'creditLimitCents - creditReservedCents' }) creditAvailableCents: number;
  @ApiProperty({ type: [OrganizationMemberDto] }) members: OrganizationMemberDto[];
}
