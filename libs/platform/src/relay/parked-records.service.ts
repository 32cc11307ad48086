import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { DomainError } from '../ddd/domain-error';
import { ParkedAction, ParkedRecord, ParkedStatus, ParkedStore } from './parked-store';

export class ParkedRecordNotFoundError extends DomainError {
  constructor(id: string) {
    super('RELAY.PARKED_RECORD_NOT_FOUND', `No parked record with id ${id}.`);
  }
}

export class ParkedRecordConflictError extends DomainError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('RELAY.PARKED_RECORD_CONFLICT', message, details);
  }
}

/**
 * The operator's side of platform.relay_parked, answered by any process from the database. A retry or a
 * discard only marks the key's rows; the active relay (wherever it runs) sees the mark and re-sends the key's
 * remaining records in order before its newer ones.
 */
@Injectable()
export class ParkedRecordsService {
  private readonly store: ParkedStore;

  constructor(@InjectDataSource('platform') platform: DataSource) {
    this.store = new ParkedStore(platform);
  }

  list(filter: { stream?: string; partitionKey?: string; status?: ParkedStatus; limit?: number; cursor?: string }) {
    return this.store.list({ ...filter, limit: Math.min(Math.max(filter.limit ?? 50, 1), 500) });
  }

  retry(id: string): Promise<ParkedRecord> {
    return this.act(id, 'retry');
  }

  discard(id: string): Promise<ParkedRecord> {
    return this.act(id, 'discard');
  }

  private async act(id: string, action: ParkedAction): Promise<ParkedRecord> {
    const result = await this.store.act(id, action);
    if (result.outcome === 'not-found') throw new ParkedRecordNotFoundError(id);
    if (result.outcome === 'conflict') throw new ParkedRecordConflictError(result.reason, { status: result.record.status });
    return result.record;
  }
}
