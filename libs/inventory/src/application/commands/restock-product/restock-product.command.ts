import { Command } from '@nestjs/cqrs';

export class RestockProductCommand extends Command<void> {
  constructor(readonly sku: string, readonly quantity: number) {
    super();
  }
}
