/** CONTRACT §4: the envelope of every record on Kinesis and of every row of the event log. */
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

/** Kinesis refuses records over 1 MiB; the log refuses them at append time so the relay never meets one. */
export const MAX_EVENT_BYTES = 1024 * 1024;
