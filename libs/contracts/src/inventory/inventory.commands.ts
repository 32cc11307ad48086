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
