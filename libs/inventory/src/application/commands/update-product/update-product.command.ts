import { Command } from '@nestjs/cqrs';

export class UpdateProductCommand extends Command<void> {
  constructor(readonly sku: string, readonly name?: string, readonly priceCents?: number) {
    super();
  }
}
