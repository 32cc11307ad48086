import { MessageContracts, objectSchema, uuid } from '../json-schema';
import { stockLineSchema } from './inventory.events';

/**
 * Saga commands the inventory context handles, on the `inventory-commands` stream, partition key: the
 * order id. Each is answered by an event on `inventory-events` keyed by the same order id.
 */
export const InventoryCommandTypes = {
  /** All lines or none; answered by StockReserved or StockReservationRejected; a repeat gets the same answer. */
  ReserveStock: 'inventory.ReserveStock',
  /** Answered by StockReleased; idempotent, releasing what was never reserved is a no-op. */
  ReleaseStock: 'inventory.ReleaseStock',
} as const;

export interface ReserveStockData {
  orderId: string;
  lines: Array<{ sku: string; quantity: number }>;
}

export interface ReleaseStockData {
  orderId: string;
}

/** The data of each inventory command, by the name in InventoryCommandTypes. */
export interface InventoryCommandData {
  ReserveStock: ReserveStockData;
  ReleaseStock: ReleaseStockData;
}

/** Schemas of the commands on `inventory-commands`, sent by the order saga, keyed by the order id. */
export const InventoryCommandMessages: MessageContracts<typeof InventoryCommandTypes, InventoryCommandData> = {
  ReserveStock: {
    summary: 'Reserve every line of the order, or none.',
    partitionKey: 'orderId',
    data: objectSchema<ReserveStockData>({
      orderId: uuid('The order (and its saga)'),
      lines: { type: 'array', items: stockLineSchema, minItems: 1, description: 'The order’s lines, each sku once' },
    }),
  },
  ReleaseStock: {
    summary: 'Give back the stock reserved for the order (a compensation); a no-op when none was.',
    partitionKey: 'orderId',
    data: objectSchema<ReleaseStockData>({ orderId: uuid('The order (and its saga)') }),
  },
};
