/** docs/contract.md §4: the envelope of every record on Kinesis and of every row of the event log. */
export interface CloudEvent<T = unknown> {
  specversion: '1.0';
  id: string;
  source: string;
  type: string;
  subject?: string;
  time: string;
  datacontenttype: string;
  data: T;
  partitionkey: string;
  correlationid: string;
  causationid: string;
  traceparent?: string;
  [extension: string]: unknown;
}

/** Kinesis refuses records whose data and partition key together exceed 1 MiB; the log refuses them at append time so the relay never meets one. */
export const MAX_EVENT_BYTES = 1024 * 1024;

/**
 * What a lone event costs inside a KPL aggregate beyond its data and a second copy of its partition key
 * (magic, protobuf tags and lengths, MD5): 33 bytes measured with aws-kinesis-agg; rounded up.
 */
export const KPL_RECORD_OVERHEAD = 64;

/**
 * The bytes Kinesis counts for an event whose envelope, as published, is `envelopeBytes` long: the data plus
 * the partition key, and room for the aggregate framing (which repeats the key) so that one limit holds
 * whether KINESIS_AGGREGATION is on or off. The event log's `event_log_publishable_size` CHECK applies the
 * same formula to the envelope as PostgreSQL prints it (see docs/adr/0011-event-log-size-order-and-cursor.md).
 */
export function publishedRecordBytes(envelopeBytes: number, partitionKey: string): number {
  return envelopeBytes + 2 * Buffer.byteLength(partitionKey) + KPL_RECORD_OVERHEAD;
}
