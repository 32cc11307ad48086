import { Injectable, OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { UnitOfWork } from '../../database/unit-of-work';
import type { MessageHandler, RegisteredHandler } from './message-handler';
import { ON_MESSAGE_METADATA, OnMessageMetadata } from './on-message.decorator';
import { handlerFunctions, subscriptionsOf } from './message-handler';

/**
 * The consumer handlers of the app, found with Nest's DiscoveryService: every provider marked `@OnMessage`,
 * bound to the UnitOfWork of the context it names. Each context's ContextPersistenceModule provides one
 * UnitOfWork whose `context` is its schema, so discovery finds them all without a registration step.
 */
@Injectable()
export class HandlerCatalog implements OnModuleInit {
  private registered: RegisteredHandler[] = [];

  constructor(private readonly discovery: DiscoveryService) {}

  onModuleInit(): void {
    const providers = this.discovery.getProviders();
    const unitsOfWork = new Map<string, UnitOfWork>();
    for (const wrapper of providers) {
      if (wrapper.instance instanceof UnitOfWork) unitsOfWork.set(wrapper.instance.context, wrapper.instance);
    }
    const seen = new Set<string>();
    this.registered = [];
    for (const wrapper of providers) {
      const metadata: OnMessageMetadata | undefined = wrapper.metatype && Reflect.getMetadata(ON_MESSAGE_METADATA, wrapper.metatype);
      if (!metadata || !wrapper.instance || seen.has(metadata.handler)) continue;
      const unitOfWork = unitsOfWork.get(metadata.context);
      if (!unitOfWork) {
        throw new Error(`Consumer handler ${metadata.handler} names context "${metadata.context}", which has no ContextPersistenceModule in this app`);
      }
      const instance = wrapper.instance as MessageHandler;
      seen.add(metadata.handler);
      this.registered.push({
        name: metadata.handler,
        context: metadata.context,
        subscriptions: subscriptionsOf(metadata.types, metadata.stream),
        unitOfWork,
        ...handlerFunctions(instance),
      });
    }
  }

  handlers(): RegisteredHandler[] {
    return this.registered;
  }
}
