import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { Clock, UnitOfWork } from '@eda/platform';
import { ProductRepository } from '../../../infrastructure/persistence/product.repository';
import { RestockProductCommand } from './restock-product.command';

@CommandHandler(RestockProductCommand)
export class RestockProductHandler implements ICommandHandler<RestockProductCommand> {
  constructor(private readonly uow: UnitOfWork, private readonly clock: Clock) {}

  execute({ sku, quantity }: RestockProductCommand): Promise<void> {
    return this.uow.run(async (tx) => {
      const products = new ProductRepository(tx.manager);
      const product = await products.getForUpdate(sku);
      product.restock(quantity, this.clock.now());
      await products.save(product);
      tx.collect(product);
    });
  }
}
