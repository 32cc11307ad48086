/**
 * Wire types of the inventory context's events. Product events are keyed by the sku; stock reservation
 * replies by the order id (the saga id), so a saga's replies stay in order on one shard.
 */
export const InventoryEventTypes = {
  ProductCreated: 'inventory.ProductCreated',
  ProductRenamed: 'inventory.ProductRenamed',
  ProductPriceChanged: 'inventory.ProductPriceChanged',
  StockAdded: 'inventory.StockAdded',
  StockReserved: 'inventory.StockReserved',
  StockReservationRejected: 'inventory.StockReservationRejected',
  StockReleased: 'inventory.StockReleased',
} as const;

export interface StockLine {
  sku: string;
  quantity: number;
}

export interface ProductCreatedData {
  sku: string;
  name: string;
  priceCents: number;
  initialStock: number;
}

export interface ProductRenamedData {
  sku: string;
  name: string;
}

export interface ProductPriceChangedData {
  sku: string;
  priceCents: number;
}

export interface StockAddedData {
  sku: string;
  quantity: number;
  onHand: number;
}

export interface StockReservedData {
  orderId: string;
  lines: StockLine[];
}

export type StockRejectionReason = 'OUT_OF_STOCK' | 'UNKNOWN_PRODUCT';

/** `skus`: the unknown products (UNKNOWN_PRODUCT) or those short of stock (OUT_OF_STOCK). */
export interface StockReservationRejectedData {
  orderId: string;
  reason: StockRejectionReason;
  skus: string[];
  lines: StockLine[];
}

/** `lines` is what this release gave back: empty when nothing was reserved for the order (a no-op). */
export interface StockReleasedData {
  orderId: string;
  lines: StockLine[];
}
