import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { Clock, UnitOfWork } from '@eda/platform';
import { ProductRepository } from '../../../infrastructure/persistence/product.repository';
import { UpdateProductCommand } from './update-product.command';

@CommandHandler(UpdateProductCommand)
export class UpdateProductHandler implements ICommandHandler<UpdateProductCommand> {
  constructor(private readonly uow: UnitOfWork, private readonly clock: Clock) {}

  execute({ sku, name, priceCents }: UpdateProductCommand): Promise<void> {
    return this.uow.run(async (tx) => {
      const products = new ProductRepository(tx.manager);
      const product = await products.getForUpdate(sku);
      const now = this.clock.now();
      if (name !== undefined) product.rename(name, now);
      if (priceCents !== undefined) product.changePrice(priceCents, now);
      await products.save(product);
      tx.collect(product);
    });
  }
}
