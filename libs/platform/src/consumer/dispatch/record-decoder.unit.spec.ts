import { decodeRecords } from './record-decoder';
import { kplAggregate as aggregated } from '../../testing/kpl.fixture';

const event = (id: string) => JSON.stringify({ specversion: '1.0', id, source: 'alpha', type: 'alpha.Thing', partitionkey: 'k' });

describe('decodeRecords', () => {
  it('parses CloudEvents and marks what is not JSON or not a CloudEvent as poison', () => {
    const decoded = decodeRecords([
      { SequenceNumber: '1', PartitionKey: 'k', Data: Buffer.from(event('a')) },
      { SequenceNumber: '2', PartitionKey: 'k', Data: Buffer.from('{broken') },
      { SequenceNumber: '3', PartitionKey: 'k', Data: Buffer.from('[1,2]') },
    ]);
    expect(decoded.map((d) => [d.event?.id, d.poison])).toEqual([
      ['a', undefined],
      [undefined, 'not JSON'],
      [undefined, 'not a JSON object'],
    ]);
  });

  it('de-aggregates KPL records into their user records, in order, with their own partition keys', async () => {
    const data = await aggregated([
      { partitionKey: 'k1', data: Buffer.from(event('x')) },
      { partitionKey: 'k2', data: Buffer.from(event('y')) },
    ]);
    const decoded = decodeRecords([{ SequenceNumber: '9', PartitionKey: 'k1', Data: data }]);
    expect(decoded.map((d) => [d.event?.id, d.partitionKey, d.sequenceNumber, d.subSequence])).toEqual([
      ['x', 'k1', '9', 0],
      ['y', 'k2', '9', 1],
    ]);
  });
});
