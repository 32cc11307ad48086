export * from './projection';
export * from './entity-store';
export * from './projection-handler';
export * from './projection-rebuild';
export * from './projection-registry';
export * from './projections-ops.controller';
export * from './projections.module';
