export * from './saga-instance';
export * from './saga-store';
export * from './saga-storage';
export * from './saga-registry';
export * from './saga-deadline-scheduler';
export * from './saga-ops.controller';
export * from './saga.module';
