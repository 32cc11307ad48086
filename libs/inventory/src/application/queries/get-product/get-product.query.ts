import { Query } from '@nestjs/cqrs';

export interface ProductView {
  sku: string;
  name: string;
  priceCents: number;
  onHand: number;
  reserved: number;
  available: number;
}

export class GetProductQuery extends Query<ProductView> {
  constructor(readonly sku: string) {
    super();
  }
}
