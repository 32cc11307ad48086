import type { _Record } from '@aws-sdk/client-kinesis';
import type { CloudEvent } from '../../event-log/cloud-event';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { deaggregateSync } = require('aws-kinesis-agg') as {
  deaggregateSync(
    record: { data: string; partitionKey: string; sequenceNumber: string },
    computeChecksums: boolean,
    done: (error: Error | null | undefined, records?: Array<{ partitionKey: string; data: string; subSequenceNumber?: number }>) => void,
  ): void;
};

/** The KPL aggregation format starts with these four bytes. */
const KPL_MAGIC = Buffer.from([0xf3, 0x89, 0x9a, 0xc2]);

/** One user record of a Kinesis record: a CloudEvent, or a poison record with the reason it is one. */
export interface DecodedMessage {
  sequenceNumber: string;
  subSequence: number;
  partitionKey: string;
  /** Index of the Kinesis record in its GetRecords batch (aggregated user records share it). */
  recordIndex: number;
  event?: CloudEvent;
  raw?: string;
  poison?: string;
}

export function decodeRecords(records: _Record[]): DecodedMessage[] {
  const out: DecodedMessage[] = [];
  records.forEach((record, recordIndex) => {
    const data = Buffer.from(record.Data ?? new Uint8Array());
    const sequenceNumber = record.SequenceNumber!;
    const partitionKey = record.PartitionKey ?? '';
    if (data.length >= KPL_MAGIC.length && data.subarray(0, 4).equals(KPL_MAGIC)) {
      let users: Array<{ partitionKey: string; data: string }> = [];
      let failure: Error | null | undefined;
      deaggregateSync({ data: data.toString('base64'), partitionKey, sequenceNumber }, true, (error, records) => {
        failure = error;
        users = records ?? [];
      });
      if (failure) {
        out.push({ sequenceNumber, subSequence: 0, partitionKey, recordIndex, raw: data.toString('base64'), poison: `bad aggregated record: ${failure.message}` });
        return;
      }
      users.forEach((u, i) => out.push(parse(Buffer.from(u.data, 'base64'), sequenceNumber, i, u.partitionKey, recordIndex)));
    } else {
      out.push(parse(data, sequenceNumber, 0, partitionKey, recordIndex));
    }
  });
  return out;
}

function parse(data: Buffer, sequenceNumber: string, subSequence: number, partitionKey: string, recordIndex: number): DecodedMessage {
  const base = { sequenceNumber, subSequence, partitionKey, recordIndex };
  const text = data.toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ...base, raw: text, poison: 'not JSON' };
  }
  const problem = cloudEventProblem(value);
  return problem ? { ...base, raw: text, poison: problem } : { ...base, event: value as CloudEvent };
}

function cloudEventProblem(value: unknown): string | null {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return 'not a JSON object';
  const e = value as Record<string, unknown>;
  if (e.specversion !== '1.0') return 'not a CloudEvent 1.0 (specversion)';
  for (const field of ['id', 'source', 'type'] as const) {
    if (typeof e[field] !== 'string' || e[field] === '') return `not a CloudEvent (${field} missing)`;
  }
  return null;
}
