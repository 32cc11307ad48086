import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { ListStreamsCommand } from '@aws-sdk/client-kinesis';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { createKinesisClient, KINESIS_CONNECTION, type KinesisConnection } from '../kinesis/kinesis-connection';
import { ReadinessRegistry, withTimeout } from './readiness';

/** Registers the database and Kinesis readiness checks. */
@Injectable()
export class InfrastructureReadiness implements OnModuleInit {
  constructor(
    private readonly registry: ReadinessRegistry,
    @Inject(KINESIS_CONNECTION) private readonly kinesis: KinesisConnection,
    @InjectDataSource('platform') private readonly db: DataSource,
  ) {}

  onModuleInit(): void {
    this.registry.register({
      name: 'database',
      check: async () => {
        await withTimeout(this.db.query('SELECT 1'), 2_000, 'PostgreSQL');
        return { up: true };
      },
    });
    const client = createKinesisClient(this.kinesis);
    this.registry.register({
      name: 'kinesis',
      check: async () => {
        await withTimeout(client.send(new ListStreamsCommand({ Limit: 1 })), 2_000, 'Kinesis');
        // No endpoint in the answer: the probe is open, and where Kinesis lives is nobody else's business.
        return { up: true };
      },
    });
  }
}
