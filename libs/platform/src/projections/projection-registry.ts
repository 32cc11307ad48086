import { Injectable, OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { UnitOfWork } from '../database/unit-of-work';
import { DomainError } from '../ddd/domain-error';
import { PROJECTION_METADATA } from './projection-handler';
import type { Projection } from './projection';
import { rebuildProjection } from './projection-rebuild';

export class ProjectionNotFoundError extends DomainError {
  constructor(name: string, known: string[]) {
    super('PROJECTION.NOT_FOUND', `No projection named ${name}; known: ${known.join(', ')}.`);
  }
}

/**
 * The projections of this process: every provider that extends `ProjectionHandler(...)`, found with Nest's
 * DiscoveryService and bound to the unit of work of the context it names (as the consumer binds handlers), so
 * declaring a projection's handler is all its rebuild route needs.
 */
@Injectable()
export class ProjectionRegistry implements OnModuleInit {
  private readonly projections = new Map<string, { projection: Projection; unitOfWork: UnitOfWork }>();

  constructor(private readonly discovery: DiscoveryService, @InjectDataSource('platform') private readonly platform: DataSource) {}

  onModuleInit(): void {
    const providers = this.discovery.getProviders();
    const unitsOfWork = new Map<string, UnitOfWork>();
    for (const wrapper of providers) {
      if (wrapper.instance instanceof UnitOfWork) unitsOfWork.set(wrapper.instance.context, wrapper.instance);
    }
    this.projections.clear();
    for (const wrapper of providers) {
      const projection: Projection | undefined = wrapper.metatype && Reflect.getMetadata(PROJECTION_METADATA, wrapper.metatype);
      if (!projection || this.projections.has(projection.name)) continue;
      const unitOfWork = unitsOfWork.get(projection.context);
      if (!unitOfWork) throw new Error(`Projection ${projection.name} names context "${projection.context}", which has no ContextPersistenceModule in this app`);
      this.projections.set(projection.name, { projection, unitOfWork });
    }
  }

  names(): string[] {
    return [...this.projections.keys()].sort();
  }

  /** Rebuilds the named projection from its source's event log; live deliveries resume without gap or double. */
  rebuild(name: string): Promise<{ replayed: number }> {
    const found = this.projections.get(name);
    if (!found) throw new ProjectionNotFoundError(name, this.names());
    return rebuildProjection(found.unitOfWork, this.platform, found.projection);
  }
}
