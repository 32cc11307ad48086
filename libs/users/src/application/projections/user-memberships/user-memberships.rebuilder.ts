import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { rebuildProjection, UnitOfWork } from '@eda/platform';
import { UserMembershipsProjection } from './user-memberships.projection';
import { applyToUserMemberships, resetUserMemberships } from './user-memberships.store';

@Injectable()
export class UserMembershipsRebuilder {
  constructor(private readonly uow: UnitOfWork, @InjectDataSource('platform') private readonly platform: DataSource) {}

  rebuild(): Promise<{ replayed: number }> {
    return rebuildProjection(this.uow, this.platform, {
      ...UserMembershipsProjection,
      reset: resetUserMemberships,
      apply: (manager, event) => applyToUserMemberships(manager, event, 'rebuild'),
    });
  }
}
