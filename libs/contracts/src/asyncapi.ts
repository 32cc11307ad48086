import { CONTRACT_STREAMS, PLATFORM_EVENTS_STREAM_NAME, RESERVED_SOURCES } from './streams';

/**
 * The AsyncAPI 3.0 document of every stream, built from the contracts (CONTRACT_STREAMS and the message
 * schemas kept beside each type), served at GET /docs/asyncapi.json. docs/contract.md §4,
 * docs/adr/0020-asyncapi-contract.md.
 */

/** The channel message of `platform-events`: any producer's event, in the bus's envelope. */
export const EXTERNAL_EVENT_MESSAGE = 'ExternalEvent';

/** Where a message's Kinesis partition key is found, as an AsyncAPI runtime expression (`$message.payload#/…`). */
export const PARTITION_KEY_EXTENSION = 'x-partition-key';

export interface AsyncApiMessage {
  name: string;
  title: string;
  summary: string;
  contentType: string;
  correlationId: { $ref: string };
  payload: Record<string, unknown>;
  [PARTITION_KEY_EXTENSION]: { location: string; description: string };
}

export interface AsyncApiChannel {
  address: string;
  title: string;
  description: string;
  parameters: Record<string, { description: string; default: string }>;
  messages: Record<string, { $ref: string }>;
}

export interface AsyncApiDocument {
  asyncapi: '3.0.0';
  info: { title: string; version: string; description: string; license: { name: string } };
  defaultContentType: string;
  channels: Record<string, AsyncApiChannel>;
  operations: Record<string, { action: 'send'; channel: { $ref: string }; title: string; summary: string; messages: Array<{ $ref: string }> }>;
  components: {
    schemas: Record<string, Record<string, unknown>>;
    messages: Record<string, AsyncApiMessage>;
    correlationIds: Record<string, { description: string; location: string }>;
  };
}

export interface AsyncApiOptions {
  /** The app's version (the OpenAPI document's). */
  version: string;
  /** The running app's STREAM_PREFIX: the default of every channel address's `streamPrefix` parameter. */
  streamPrefix?: string;
}

const CLOUDEVENTS_JSON = 'application/cloudevents+json';
const TRACEPARENT = '^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$';
/** CloudEvents attribute names as the bus accepts them (lower-case letters and digits, at most 20). */
const ATTRIBUTE_NAME = '^[a-z0-9]{1,20}$';
/** Kinesis takes partition keys of 1-256 characters; the bus holds every attribute to 256. */
const MAX_ATTRIBUTE_LENGTH = 256;

const ref = (path: string) => ({ $ref: path });
const schemaRef = (name: string) => ref(`#/components/schemas/${name}`);

/** `users` → `[Uu][Ss][Ee][Rr][Ss]`: JSON Schema patterns have no case-insensitive flag. */
function anyCase(word: string): string {
  return [...word].map((c) => (c.toLowerCase() === c.toUpperCase() ? c : `[${c.toUpperCase()}${c.toLowerCase()}]`)).join('');
}

/** CloudEvents 1.0 structured JSON as the bus publishes it, whoever produced it. */
function cloudEventSchema(): Record<string, unknown> {
  const attribute = (description: string) => ({ type: 'string', minLength: 1, maxLength: MAX_ATTRIBUTE_LENGTH, description });
  return {
    type: 'object',
    description:
      'A CloudEvents 1.0 event in structured-mode JSON: one per Kinesis record (or per user record of a KPL aggregate). ' +
      'The core attributes, the extensions the bus fills in (partitionkey, correlationid, causationid, traceparent), and any further extension of a producer.',
    required: ['specversion', 'id', 'source', 'type', 'time', 'datacontenttype', 'partitionkey', 'correlationid', 'causationid', 'traceparent'],
    propertyNames: { pattern: ATTRIBUTE_NAME },
    properties: {
      specversion: { type: 'string', const: '1.0' },
      id: attribute('Unique per source; a UUID for the app’s own messages'),
      source: attribute('The bounded context that appended it (users, organizations, inventory, orders), or an external producer’s source'),
      type: attribute('`<context>.<Name>` for the app’s own messages'),
      subject: attribute('The aggregate id; the sku for products; the order id for saga commands and replies'),
      time: { type: 'string', format: 'date-time', description: 'When it happened (RFC 3339)' },
      datacontenttype: { type: 'string', minLength: 1, description: 'application/json' },
      dataschema: { type: 'string', minLength: 1, description: 'An external producer’s, if it gave one' },
      data: { description: 'The message’s data: for the app’s own types, the schema its message names' },
      partitionkey: attribute('The record’s Kinesis partition key'),
      correlationid: { type: 'string', minLength: 1, description: 'The request (or external event) that started the chain' },
      causationid: { type: 'string', minLength: 1, description: 'The message that caused this one (the request id, or the consumed event’s id)' },
      traceparent: { type: 'string', pattern: TRACEPARENT, description: 'W3C Trace Context of the span that appended it' },
    },
    additionalProperties: { type: ['string', 'boolean', 'integer'], description: 'A producer’s own extension attribute' },
  };
}

/** The app's own messages carry exactly these attributes, all of them. */
function contextCloudEventSchema(): Record<string, unknown> {
  const attributes = ['specversion', 'id', 'source', 'type', 'subject', 'time', 'datacontenttype', 'data', 'partitionkey', 'correlationid', 'causationid', 'traceparent'];
  return {
    description: 'The envelope of the bounded contexts’ events and commands: a CloudEvent with exactly these attributes.',
    allOf: [schemaRef('CloudEvent')],
    type: 'object',
    required: attributes,
    properties: {
      ...Object.fromEntries(attributes.map((name) => [name, {}])),
      id: { type: 'string', format: 'uuid' },
      datacontenttype: { type: 'string', const: 'application/json' },
      data: { type: 'object' },
    },
    additionalProperties: false,
  };
}

function externalEventMessage(): AsyncApiMessage {
  const reserved = RESERVED_SOURCES.map(anyCase).join('|');
  return {
    name: EXTERNAL_EVENT_MESSAGE,
    title: 'An external producer’s event',
    summary:
      'An event an external producer POSTed to /events (docs/event-bus.md), with what the bus filled in when missing: time, datacontenttype, ' +
      'partitionkey (subject, else id), correlationid (the request id), causationid (its id), traceparent. Its data is the producer’s.',
    contentType: CLOUDEVENTS_JSON,
    correlationId: ref('#/components/correlationIds/correlationid'),
    payload: {
      allOf: [schemaRef('CloudEvent')],
      properties: {
        source: { not: { pattern: `^(?:${reserved})$` }, description: 'Never one of the app’s own sources' },
        type: { not: { pattern: `^(?:${reserved})\\.` }, description: 'Never in the namespace of one of the app’s own sources' },
      },
    },
    [PARTITION_KEY_EXTENSION]: { location: '$message.payload#/partitionkey', description: 'The given partitionkey, else the subject, else the id' },
  };
}

export function buildAsyncApiDocument(options: AsyncApiOptions): AsyncApiDocument {
  const streamPrefix = options.streamPrefix ?? 'eda-';
  const parameters = { streamPrefix: { description: 'The STREAM_PREFIX the app runs with', default: streamPrefix } };
  const document: AsyncApiDocument = {
    asyncapi: '3.0.0',
    info: {
      title: 'NestJS Kinesis event-driven modular monolith: streams',
      version: options.version,
      description:
        'Every Kinesis stream the app writes (docs/contract.md §4). Each record is a CloudEvents 1.0 structured-mode JSON event ' +
        '(with KINESIS_AGGREGATION on or auto, a KPL aggregate of such events of one partition key: read it with a KPL-aware reader). ' +
        'The partition key of each message is named by its `x-partition-key` (an AsyncAPI runtime expression). ' +
        'Records may arrive more than once; in commit order for each partition key.',
      license: { name: 'MIT' },
    },
    defaultContentType: CLOUDEVENTS_JSON,
    channels: {},
    operations: {},
    components: {
      schemas: { CloudEvent: cloudEventSchema(), ContextCloudEvent: contextCloudEventSchema() },
      messages: {},
      correlationIds: {
        correlationid: { description: 'The request (or external event) that started the chain of messages', location: '$message.payload#/correlationid' },
      },
    },
  };

  const addChannel = (stream: string, title: string, description: string, messages: Record<string, AsyncApiMessage>) => {
    const channelMessages: Record<string, { $ref: string }> = {};
    for (const [name, message] of Object.entries(messages)) {
      document.components.messages[message.name] = message;
      channelMessages[name] = ref(`#/components/messages/${message.name}`);
    }
    document.channels[stream] = { address: `{streamPrefix}${stream}`, title, description, parameters, messages: channelMessages };
    document.operations[`send-${stream}`] = {
      action: 'send',
      channel: ref(`#/channels/${stream}`),
      title: `Publish to ${stream}`,
      summary: 'The relay publishes each committed message, at least once, in commit order per partition key.',
      messages: Object.keys(channelMessages).map((name) => ref(`#/channels/${stream}/messages/${name}`)),
    };
  };

  for (const stream of CONTRACT_STREAMS) {
    const messages: Record<string, AsyncApiMessage> = {};
    for (const [name, type] of Object.entries(stream.types)) {
      const contract = stream.messages[name];
      if (!contract) throw new Error(`${type} on ${stream.stream} has no message contract`);
      const dataSchema = `${type}.data`;
      document.components.schemas[dataSchema] = contract.data;
      messages[name] = {
        name: type,
        title: name,
        summary: contract.summary,
        contentType: CLOUDEVENTS_JSON,
        correlationId: ref('#/components/correlationIds/correlationid'),
        payload: {
          allOf: [schemaRef('ContextCloudEvent')],
          properties: { source: { const: stream.source }, type: { const: type }, data: schemaRef(dataSchema) },
        },
        [PARTITION_KEY_EXTENSION]: {
          location: `$message.payload#/data/${contract.partitionKey}`,
          description: `data.${contract.partitionKey}, also the event’s subject and partitionkey`,
        },
      };
    }
    addChannel(stream.stream, stream.stream, stream.description, messages);
  }
  addChannel(
    PLATFORM_EVENTS_STREAM_NAME,
    PLATFORM_EVENTS_STREAM_NAME,
    'External producers’ events, committed through POST /events (docs/contract.md §3.5), keyed by their partitionkey.',
    { [EXTERNAL_EVENT_MESSAGE]: externalEventMessage() },
  );
  return document;
}
