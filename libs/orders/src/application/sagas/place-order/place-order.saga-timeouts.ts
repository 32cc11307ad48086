import { Injectable, OnModuleInit } from '@nestjs/common';
import { SagaRegistry, UnitOfWork } from '@eda/platform';
import { Leg, PLACE_ORDER_LEGS, PLACE_ORDER_SAGA, PlaceOrderSagaState } from './place-order.saga';
import { PlaceOrderSagaRunner } from './place-order.saga-runner';

/** Registers the place-order saga with the runtime's deadline scheduler: a passed deadline is a DeadlinePassed input. */
@Injectable()
export class PlaceOrderSagaTimeouts implements OnModuleInit {
  constructor(private readonly registry: SagaRegistry, private readonly uow: UnitOfWork, private readonly runner: PlaceOrderSagaRunner) {}

  onModuleInit(): void {
    this.registry.register({
      sagaType: PLACE_ORDER_SAGA,
      unitOfWork: this.uow,
      onDeadline: async (instance, tx) => {
        await this.runner.feed(tx, instance.id, { type: 'DeadlinePassed' }, instance);
      },
      legs: (state) => {
        const s = state as PlaceOrderSagaState;
        return (Object.keys(PLACE_ORDER_LEGS) as Leg[]).map((leg) => ({ name: `${leg} (${PLACE_ORDER_LEGS[leg].participant})`, status: s[leg] }));
      },
    });
  }
}
