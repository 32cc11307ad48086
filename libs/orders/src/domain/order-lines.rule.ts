import { InvalidOrderError } from './order.errors';

export const MAX_ORDER_LINES = 100;
export const MAX_LINE_QUANTITY = 1_000_000;
const SKU = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export interface RequestedLine {
  sku: string;
  quantity: number;
}

/**
 * 1 to 100 lines, each a possible sku (the inventory's format) with a positive integer quantity of at most
 * 10^6. A sku may appear once: a repeat is refused rather than merged, so the order shows exactly what
 * the caller sent and a merged quantity can never pass the per-line bound.
 */
export function requireValidLines(lines: readonly RequestedLine[]): RequestedLine[] {
  if (!Array.isArray(lines) || lines.length < 1 || lines.length > MAX_ORDER_LINES) {
    throw new InvalidOrderError(`An order has 1 to ${MAX_ORDER_LINES} items.`);
  }
  const seen = new Set<string>();
  for (const line of lines) {
    if (typeof line?.sku !== 'string' || !SKU.test(line.sku)) throw new InvalidOrderError('Every item needs a sku of 1-64 letters, digits, _ . - (not first).');
    if (!Number.isInteger(line.quantity) || line.quantity < 1 || line.quantity > MAX_LINE_QUANTITY) {
      throw new InvalidOrderError(`Every quantity is an integer from 1 to ${MAX_LINE_QUANTITY}.`);
    }
    if (seen.has(line.sku)) throw new InvalidOrderError(`The sku ${line.sku} appears more than once; give it once with the whole quantity.`);
    seen.add(line.sku);
  }
  return lines.map((l) => ({ sku: l.sku, quantity: l.quantity }));
}
