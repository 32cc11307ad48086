import Ajv, { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { AsyncApiDocument, EXTERNAL_EVENT_MESSAGE, PARTITION_KEY_EXTENSION } from '@eda/contracts';

/** One user record read from a stream (see readStreamMessages): its Kinesis partition key and its CloudEvent, if it is one. */
export interface StreamRecord {
  sequenceNumber: string;
  partitionKey: string;
  event?: Record<string, unknown>;
  poison?: string;
}

const DOCUMENT_ID = 'asyncapi.json';

/**
 * Checks records against an AsyncAPI document of this app (docs/adr/0020-asyncapi-contract.md): the record's
 * stream has a channel, the channel a message for the record's type (or the external event's catch-all),
 * the CloudEvent validates against that message's payload (envelope and data, with ajv: AsyncAPI 3.0's
 * schemas are draft-07), and the Kinesis partition key is where the message's `x-partition-key` says.
 */
export class AsyncApiValidator {
  private readonly ajv = new Ajv({ allErrors: true, strict: false });
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(private readonly document: AsyncApiDocument) {
    addFormats(this.ajv);
    // The whole document as one schema resource, so the payloads' `#/components/schemas/…` refs resolve.
    this.ajv.addSchema(document as unknown as object, DOCUMENT_ID);
  }

  /** Why `record`, read from the logical stream `stream`, breaks the document; undefined when it does not. */
  problem(stream: string, record: StreamRecord): string | undefined {
    const at = `record ${record.sequenceNumber} on ${stream} (partition key ${JSON.stringify(record.partitionKey)})`;
    const channel = this.document.channels[stream];
    if (!channel) return `${at}: the document has no channel for the stream`;
    const event = record.event;
    if (!event) return `${at} is not a CloudEvent: ${record.poison}`;
    const type = String(event.type);
    const id = String(event.id);
    const names = Object.values(channel.messages).map((m) => m.$ref.replace('#/components/messages/', ''));
    const name = names.find((n) => n === type) ?? names.find((n) => n === EXTERNAL_EVENT_MESSAGE);
    if (!name) return `${at}: type ${JSON.stringify(type)} has no message on channel ${stream} (it has: ${names.join(', ')})`;

    const validate = this.payloadValidator(name);
    if (!validate(event)) {
      return `${at}: ${type} (id ${id}) does not match message ${name}: ${this.ajv.errorsText(validate.errors, { dataVar: 'event', separator: '; ' })}`;
    }
    const location = this.document.components.messages[name][PARTITION_KEY_EXTENSION].location;
    const key = valueAt(event, location);
    if (key !== record.partitionKey || event.partitionkey !== record.partitionKey) {
      return `${at}: ${type} (id ${id}) should be keyed by ${location} (${JSON.stringify(key)}) and carry it as partitionkey (${JSON.stringify(event.partitionkey)})`;
    }
    return undefined;
  }

  private payloadValidator(message: string): ValidateFunction {
    let validate = this.compiled.get(message);
    if (!validate) {
      validate = this.ajv.compile({ $ref: `${DOCUMENT_ID}#/components/messages/${message}/payload` });
      this.compiled.set(message, validate);
    }
    return validate;
  }
}

/** The value a `$message.payload#/a/b` runtime expression names in `payload`. */
function valueAt(payload: unknown, location: string): unknown {
  const prefix = '$message.payload#';
  if (!location.startsWith(prefix)) throw new Error(`unsupported runtime expression ${location}`);
  return location
    .slice(prefix.length)
    .split('/')
    .slice(1)
    .map((token) => token.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce<unknown>((value, token) => (value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[token] : undefined), payload);
}
