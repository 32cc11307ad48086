// Wire contracts between bounded contexts: event and command type strings and their data. Imports nothing.
export * from './users/users.events';
export * from './organizations/organizations.events';
export * from './organizations/organizations.commands';
export * from './inventory/inventory.events';
export * from './inventory/inventory.commands';
export * from './orders/orders.events';
