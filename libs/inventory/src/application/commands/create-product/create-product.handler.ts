import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { Clock, UnitOfWork } from '@eda/platform';
import { Product } from '../../../domain/product.aggregate';
import { ProductRepository } from '../../../infrastructure/persistence/product.repository';
import { CreateProductCommand } from './create-product.command';

@CommandHandler(CreateProductCommand)
export class CreateProductHandler implements ICommandHandler<CreateProductCommand> {
  constructor(private readonly uow: UnitOfWork, private readonly clock: Clock) {}

  execute(command: CreateProductCommand): Promise<{ sku: string }> {
    return this.uow.run(async (tx) => {
      const product = Product.create(command, this.clock.now());
      await new ProductRepository(tx.manager).add(product);
      tx.collect(product);
      return { sku: product.id };
    });
  }
}
