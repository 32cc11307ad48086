/** One event-log row on its way to Kinesis. */
export interface RelayRecord {
  /** Schema whose event_log holds the row (the relay marks the row published there). */
  schema: string;
  /** event_log.position, as text (bigint). */
  position: string;
  /** Logical stream (event_log.stream, without the prefix). */
  stream: string;
  partitionKey: string;
  /** The envelope JSON exactly as stored: the record's data (CloudEvents structured mode). */
  data: string;
}

/** A point in the source (an LSN, a poll batch) that may be acknowledged once every record pushed before it is confirmed. */
export type SourceCheckpoint = string;

export type ParkedStatus = 'parked' | 'retrying' | 'published' | 'discarded';

/** What the publisher parks: the record and why. */
export interface Parking {
  record: RelayRecord;
  code: string;
  message: string;
}

/** A parked row the relay sends again: the stored envelope and its parked id. */
export interface ReleasedRecord extends RelayRecord {
  parkedId: string;
  status: ParkedStatus;
}
