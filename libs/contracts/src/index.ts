// Wire contracts between bounded contexts: event and command type strings and their data. Imports nothing.
export * from './users/users.events';
