import { Injectable } from '@nestjs/common';
import type { TransactionScope, UnitOfWork } from '../database/unit-of-work';
import type { SagaInstance } from './saga-instance';

/** A saga type as the runtime drives it: where its rows live and how it takes its timeout input. */
export interface SagaDefinition {
  sagaType: string;
  /** The unit of work of the context whose schema holds the saga's rows. */
  unitOfWork: UnitOfWork;
  /**
   * Feeds the timeout input to a saga whose deadline passed. Runs in the scheduler's transaction with the
   * row locked; it must advance the row (clearing or moving the deadline), or it is fed again next time.
   */
  onDeadline(instance: SagaInstance, tx: TransactionScope): Promise<void>;
  /** The participants' parts of a saga's state, for the operations console (e.g. `stock: RESERVED`). */
  legs?(state: unknown): Array<{ name: string; status: string }>;
}

/** The saga types of this process: contexts register theirs when their module starts. */
@Injectable()
export class SagaRegistry {
  private readonly definitions = new Map<string, SagaDefinition>();

  register(definition: SagaDefinition): void {
    if (this.definitions.has(definition.sagaType)) throw new Error(`Saga type ${definition.sagaType} is registered twice.`);
    this.definitions.set(definition.sagaType, definition);
  }

  all(): SagaDefinition[] {
    return [...this.definitions.values()];
  }

  /** One unit of work per context: each context's `saga_instances` is read once whatever its number of saga types. */
  unitsOfWork(): UnitOfWork[] {
    return [...new Map(this.all().map((d) => [d.unitOfWork.context, d.unitOfWork])).values()];
  }
}
