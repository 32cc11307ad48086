import { ApiProperty } from '@nestjs/swagger';

export class UserOrganizationDto {
  @ApiProperty({ format: 'uuid' }) organizationId: string;
  @ApiProperty() name: string;
  @ApiProperty({ enum: ['admin', 'member'] }) role: string;
}

export class UserResponseDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() email: string;
  @ApiProperty() username: string;
  @ApiProperty() firstName: string;
  @ApiProperty() lastName: string;
  @ApiProperty({ enum: ['ACTIVE', 'DEACTIVATED'] }) status: string;
  @ApiProperty({ type: [UserOrganizationDto], description: 'From a read model fed by organizations events' })
  organizations: UserOrganizationDto[];
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
}
