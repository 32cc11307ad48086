import type { AnyMessageContract } from './json-schema';
import { UsersEventMessages, UsersEventTypes } from './users/users.events';
import { OrganizationsEventMessages, OrganizationsEventTypes } from './organizations/organizations.events';
import { OrganizationsCommandMessages, OrganizationsCommandTypes } from './organizations/organizations.commands';
import { InventoryEventMessages, InventoryEventTypes } from './inventory/inventory.events';
import { InventoryCommandMessages, InventoryCommandTypes } from './inventory/inventory.commands';
import { OrdersEventMessages, OrdersEventTypes } from './orders/orders.events';

/** A stream of the app's own messages: what goes on it, who sends it, and the schema of each type. */
export interface ContractStream {
  /** The logical stream, without `STREAM_PREFIX`. */
  stream: string;
  description: string;
  /** The CloudEvents `source` of its messages: the context that appends them. */
  source: string;
  /** A `*Types` constant: name → CloudEvents `type`. */
  types: Readonly<Record<string, string>>;
  /** Name → contract, for every name of `types`. */
  messages: Readonly<Record<string, AnyMessageContract>>;
}

/**
 * Every stream the contexts write, with its message types (docs/contract.md §4). The AsyncAPI document is
 * built from this list: a new `*Types` constant goes here with its messages.
 */
export const CONTRACT_STREAMS: readonly ContractStream[] = [
  {
    stream: 'users-events',
    description: 'The users context’s events, keyed by the user id.',
    source: 'users',
    types: UsersEventTypes,
    messages: UsersEventMessages,
  },
  {
    stream: 'organizations-events',
    description: 'The organizations context’s events: an organization’s keyed by its id; replies to saga commands by the order id.',
    source: 'organizations',
    types: OrganizationsEventTypes,
    messages: OrganizationsEventMessages,
  },
  {
    stream: 'organizations-commands',
    description: 'Saga commands the organizations context handles, sent by the order saga, keyed by the order id; each is answered on organizations-events with the same key.',
    source: 'orders',
    types: OrganizationsCommandTypes,
    messages: OrganizationsCommandMessages,
  },
  {
    stream: 'inventory-events',
    description: 'The inventory context’s events: a product’s keyed by its sku; replies to saga commands by the order id.',
    source: 'inventory',
    types: InventoryEventTypes,
    messages: InventoryEventMessages,
  },
  {
    stream: 'inventory-commands',
    description: 'Saga commands the inventory context handles, sent by the order saga, keyed by the order id; each is answered on inventory-events with the same key.',
    source: 'orders',
    types: InventoryCommandTypes,
    messages: InventoryCommandMessages,
  },
  {
    stream: 'orders-events',
    description: 'The orders context’s events, keyed by the order id (which is also its saga’s id).',
    source: 'orders',
    types: OrdersEventTypes,
    messages: OrdersEventMessages,
  },
];

/** The stream external producers' events reach through `POST /events` (docs/contract.md §3.5). */
export const PLATFORM_EVENTS_STREAM_NAME = 'platform-events';

/** Sources (and `type` namespaces, before the first dot) external producers may not use, compared case-insensitively. */
export const RESERVED_SOURCES = ['users', 'organizations', 'inventory', 'orders', 'platform'] as const;
