import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { PlatformRuntime } from '../platform-runtime';
import { ProducerKeyStore } from './producer-key-store';

/**
 * In a process serving POST /events and GET /events: loads the live producer keys before the first request
 * and keeps them current (ProducerKeyCache); stops listening before the database connections close.
 */
@Injectable()
export class ProducerKeyCacheHost implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('ProducerKeys');

  constructor(private readonly runtime: PlatformRuntime, private readonly keys: ProducerKeyStore) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.keys.startCache({ connectionString: this.runtime.topology.access('platform').url, log: (line) => this.logger.warn(line) });
  }

  async onModuleDestroy(): Promise<void> {
    await this.keys.stopCache();
  }
}
