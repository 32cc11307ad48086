import * as contracts from './index';
import { buildAsyncApiDocument, EXTERNAL_EVENT_MESSAGE, PARTITION_KEY_EXTENSION } from './asyncapi';
import { CONTRACT_STREAMS } from './streams';

/** Every exported `*Types` constant (UsersEventTypes, InventoryCommandTypes, …) as [constant name, name, type]. */
function exportedTypes(): Array<[string, string, string]> {
  return Object.entries(contracts)
    .filter(([name, value]) => /Types$/.test(name) && value !== null && typeof value === 'object')
    .flatMap(([constant, value]) => Object.entries(value as Record<string, string>).map(([name, type]): [string, string, string] => [constant, name, type]));
}

describe('the AsyncAPI document built from libs/contracts', () => {
  const document = buildAsyncApiDocument({ version: '1.2.3', streamPrefix: 'test-' });
  const messages = document.components.messages;
  const channelOf = (type: string) =>
    Object.entries(document.channels).find(([, channel]) => Object.values(channel.messages).some((m) => m.$ref === `#/components/messages/${type}`))?.[0];

  it('has a message, on a channel, for every type of every *Types constant of the contracts', () => {
    const types = exportedTypes();
    // At least the four contexts' events and the two participants' commands (the filter finds them).
    expect([...new Set(types.map(([constant]) => constant))]).toEqual(
      expect.arrayContaining(['UsersEventTypes', 'OrganizationsEventTypes', 'OrganizationsCommandTypes', 'InventoryEventTypes', 'InventoryCommandTypes', 'OrdersEventTypes']),
    );
    const missing = types.filter(([, , type]) => !messages[type] || !channelOf(type)).map(([constant, name, type]) => `${constant}.${name} (${type})`);
    expect(missing).toEqual([]);
  });

  it('puts each stream’s types on its channel, named by the CloudEvents type, with its data schema and source', () => {
    for (const stream of CONTRACT_STREAMS) {
      for (const [name, type] of Object.entries(stream.types)) {
        expect([type, channelOf(type)]).toEqual([type, stream.stream]);
        expect(messages[type]).toMatchObject({ name: type, title: name, contentType: 'application/cloudevents+json' });
        expect(messages[type].payload).toEqual({
          allOf: [{ $ref: '#/components/schemas/ContextCloudEvent' }],
          properties: { source: { const: stream.source }, type: { const: type }, data: { $ref: `#/components/schemas/${type}.data` } },
        });
        expect(document.components.schemas[`${type}.data`]).toBe(stream.messages[name].data);
      }
    }
  });

  it('keys each message by a required string field of its data, or the external event by its partitionkey', () => {
    for (const [type, message] of Object.entries(messages)) {
      const location = message[PARTITION_KEY_EXTENSION].location;
      if (type === EXTERNAL_EVENT_MESSAGE) {
        expect(location).toBe('$message.payload#/partitionkey');
        continue;
      }
      const field = /^\$message\.payload#\/data\/(\w+)$/.exec(location)?.[1];
      const data = document.components.schemas[`${type}.data`] as { required: string[]; properties: Record<string, { type?: string }> };
      expect([type, field && data.required.includes(field), field && data.properties[field].type]).toEqual([type, true, 'string']);
    }
  });

  it('describes every data schema completely: each property typed and required unless optional, no other property allowed', () => {
    for (const stream of CONTRACT_STREAMS) {
      for (const [name, contract] of Object.entries(stream.messages)) {
        expect([name, Object.keys(contract.data.properties).length > 0, contract.data.additionalProperties]).toEqual([name, true, false]);
        expect([name, [...contract.data.required].sort()]).toEqual([name, Object.keys(contract.data.properties).sort()]);
      }
    }
  });

  it('has a channel per stream, addressed with the running STREAM_PREFIX as default, and one send operation each', () => {
    expect(Object.keys(document.channels).sort()).toEqual([...CONTRACT_STREAMS.map((s) => s.stream), 'platform-events'].sort());
    for (const [id, channel] of Object.entries(document.channels)) {
      expect(channel.address).toBe(`{streamPrefix}${id}`);
      expect(channel.parameters.streamPrefix.default).toBe('test-');
      expect(document.operations[`send-${id}`]).toMatchObject({ action: 'send', channel: { $ref: `#/channels/${id}` } });
    }
    expect(document.channels['platform-events'].messages).toEqual({ [EXTERNAL_EVENT_MESSAGE]: { $ref: `#/components/messages/${EXTERNAL_EVENT_MESSAGE}` } });
    expect(buildAsyncApiDocument({ version: '1' }).channels['users-events'].parameters.streamPrefix.default).toBe('eda-');
  });
});
