import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { rebuildProjection, UnitOfWork } from '@eda/platform';
import { KnownUsersProjection } from './known-users.projection';
import { applyToKnownUsers, resetKnownUsers } from './known-users.store';

@Injectable()
export class KnownUsersRebuilder {
  constructor(private readonly uow: UnitOfWork, @InjectDataSource('platform') private readonly platform: DataSource) {}

  rebuild(): Promise<{ replayed: number }> {
    return rebuildProjection(this.uow, this.platform, {
      ...KnownUsersProjection,
      reset: resetKnownUsers,
      apply: (manager, event) => applyToKnownUsers(manager, event, 'rebuild'),
    });
  }
}
