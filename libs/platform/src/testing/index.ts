// Test support: real embedded infrastructure, never mocks.
export * from './eventually';
export * from './test-infrastructure';
export * from './kinesis-fault-proxy';
export * from './stream-reader';
export * from './cloud-event.fixture';
export * from './kpl.fixture';
export * from './kinesis-local';
export * from './query-plan';
export * from './statements';
export * from './typescript-process';
