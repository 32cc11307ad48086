import { literals, MessageContracts, nonNegativeInteger, objectSchema, positiveInteger, sku, stringEnum, text, uuid } from '../json-schema';

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

/** The data of each inventory event, by the name in InventoryEventTypes. */
export interface InventoryEventData {
  ProductCreated: ProductCreatedData;
  ProductRenamed: ProductRenamedData;
  ProductPriceChanged: ProductPriceChangedData;
  StockAdded: StockAddedData;
  StockReserved: StockReservedData;
  StockReservationRejected: StockReservationRejectedData;
  StockReleased: StockReleasedData;
}

/** Stock on hand never exceeds 10^12 units (docs/contract.md §3.3). */
const MAX_STOCK = 1_000_000_000_000;
const orderId = uuid('The order (and its saga) this reply answers');
const productName = (description: string) => text(`${description} (1-200 characters, trimmed)`, { minLength: 1, maxLength: 200 });
const priceCents = nonNegativeInteger('The unit price, in minor units');

export const STOCK_REJECTION_REASONS = literals<StockRejectionReason>()(['OUT_OF_STOCK', 'UNKNOWN_PRODUCT']);

export const stockLineSchema = objectSchema<StockLine>({ sku: sku(), quantity: positiveInteger('Units') });
const stockLines = (description: string, minItems: number) => ({ type: 'array' as const, items: stockLineSchema, minItems, description });

/**
 * Schemas of the inventory events, on `inventory-events`: a product's events keyed by its sku, the replies
 * to saga commands by the order id (docs/contract.md §4).
 */
export const InventoryEventMessages: MessageContracts<typeof InventoryEventTypes, InventoryEventData> = {
  ProductCreated: {
    summary: 'A product was created (POST /products).',
    partitionKey: 'sku',
    data: objectSchema<ProductCreatedData>({
      sku: sku(),
      name: productName('The name'),
      priceCents,
      initialStock: nonNegativeInteger('Units on hand to start with', MAX_STOCK),
    }),
  },
  ProductRenamed: {
    summary: 'A product’s name changed (PATCH /products/:sku).',
    partitionKey: 'sku',
    data: objectSchema<ProductRenamedData>({ sku: sku(), name: productName('The new name') }),
  },
  ProductPriceChanged: {
    summary: 'A product’s price changed (PATCH /products/:sku); orders placed later are priced with it.',
    partitionKey: 'sku',
    data: objectSchema<ProductPriceChangedData>({ sku: sku(), priceCents }),
  },
  StockAdded: {
    summary: 'A product was restocked (POST /products/:sku/restock).',
    partitionKey: 'sku',
    data: objectSchema<StockAddedData>({
      sku: sku(),
      quantity: positiveInteger('Units added', MAX_STOCK),
      onHand: nonNegativeInteger('Units on hand after it', MAX_STOCK),
    }),
  },
  StockReserved: {
    summary: 'Answer to inventory.ReserveStock: every line is reserved.',
    partitionKey: 'orderId',
    data: objectSchema<StockReservedData>({ orderId, lines: stockLines('The lines reserved', 1) }),
  },
  StockReservationRejected: {
    summary: 'Answer to inventory.ReserveStock: nothing reserved, and why.',
    partitionKey: 'orderId',
    data: objectSchema<StockReservationRejectedData>({
      orderId,
      reason: stringEnum(STOCK_REJECTION_REASONS, 'UNKNOWN_PRODUCT wins over OUT_OF_STOCK'),
      skus: { type: 'array', items: sku(), minItems: 1, description: 'The unknown products (UNKNOWN_PRODUCT) or those short of stock (OUT_OF_STOCK)' },
      lines: stockLines('The lines asked for', 1),
    }),
  },
  StockReleased: {
    summary: 'Answer to inventory.ReleaseStock: what the order had reserved is available again.',
    partitionKey: 'orderId',
    data: objectSchema<StockReleasedData>({ orderId, lines: stockLines('What this release gave back: empty when nothing was reserved', 0) }),
  },
};
