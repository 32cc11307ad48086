import { randomUUID } from 'node:crypto';
import type { CloudEvent } from '../event-log/cloud-event';

/** A CloudEvent as it arrives from the bus, for tests that deliver messages to handlers directly. */
export function testCloudEvent(source: string, type: string, subject: string, data: unknown, extra: Partial<CloudEvent> = {}): CloudEvent {
  return {
    specversion: '1.0',
    id: randomUUID(),
    source,
    type,
    subject,
    time: new Date().toISOString(),
    datacontenttype: 'application/json',
    data,
    partitionkey: subject,
    correlationid: randomUUID(),
    causationid: randomUUID(),
    ...extra,
  };
}
