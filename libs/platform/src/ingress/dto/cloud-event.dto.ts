import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** OpenAPI shape of a CloudEvents 1.0 structured-mode event (validation itself is validateCloudEvent). */
export class CloudEventDto {
  @ApiProperty({ enum: ['1.0'] }) specversion: string;
  @ApiProperty({ maxLength: 256, example: 'a3c1e1a2-5b7e-4f0e-9d43-3f1f4a0f6b10', description: 'Unique per source; the idempotency key with `source`' })
  id: string;
  @ApiProperty({ maxLength: 256, example: 'acme', description: 'URI-reference; must be one the producer key was issued for' })
  source: string;
  @ApiProperty({ maxLength: 256, example: 'com.acme.InvoicePaid' }) type: string;
  @ApiPropertyOptional({ maxLength: 256, example: 'invoice-42' }) subject?: string;
  @ApiPropertyOptional({ format: 'date-time', description: 'RFC 3339; filled with the time of receipt when missing' }) time?: string;
  @ApiPropertyOptional({ example: 'application/json', description: 'Filled with application/json when missing' }) datacontenttype?: string;
  @ApiPropertyOptional({ format: 'uri' }) dataschema?: string;
  @ApiPropertyOptional({ description: 'Any JSON value (data_base64 is not supported)' }) data?: unknown;
  @ApiPropertyOptional({ maxLength: 256, description: 'Kinesis partition key; default: subject, else id' }) partitionkey?: string;
  @ApiPropertyOptional({ maxLength: 256, description: 'Kept when given; default: the request id' }) correlationid?: string;
  @ApiPropertyOptional({ maxLength: 256, description: 'Kept when given; default: the event id' }) causationid?: string;
  @ApiPropertyOptional({ description: 'W3C traceparent; kept when given, else continues the request trace' }) traceparent?: string;
}

export class EventAcceptedDto {
  @ApiProperty({ description: 'The CloudEvent id' }) id: string;
}

export class EventPageDto {
  @ApiProperty({ type: [CloudEventDto], description: 'Stored CloudEvents, oldest first' }) items: CloudEventDto[];
  @ApiProperty({ type: String, nullable: true, description: 'Pass as `cursor` for the next page; null at the end' }) nextCursor: string | null;
}
