// The engine room, for those who assemble the bus by hand (the benches, tools): the consumer's parts, the
// wake-ups, and the embedded engines `npm start` runs. Contexts never need it: `@eda/platform` is theirs.
export * from './consumer/consumer-metrics';
export * from './consumer/consumer-options';
export * from './consumer/consumer-worker';
export * from './consumer/dead-letters/dead-letter-store';
export * from './consumer/leases/lease-store';
export * from './wakeups/shard-wakeups';
export * from './database/embedded-postgres';
export * from './kinesis/embedded-kinesis';
export * from './kinesis/free-port';
