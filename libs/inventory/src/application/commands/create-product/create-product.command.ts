import { Command } from '@nestjs/cqrs';

export class CreateProductCommand extends Command<{ sku: string }> {
  constructor(readonly sku: string, readonly name: string, readonly priceCents: number, readonly initialStock?: number) {
    super();
  }
}
