// Wire contracts between bounded contexts: event and command type strings, their data and its JSON Schemas, and the
// AsyncAPI document built from them. Imports nothing.
export * from './users/users.events';
export * from './organizations/organizations.events';
export * from './organizations/organizations.commands';
export * from './inventory/inventory.events';
export * from './inventory/inventory.commands';
export * from './orders/orders.events';
export * from './json-schema';
export * from './streams';
export * from './asyncapi';
