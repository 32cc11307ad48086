import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { PlatformRuntime } from '../platform-runtime';
import { PgWakeupChannel } from './pg-wakeup-channel';
import { ShardWakeups } from './shard-wakeups';

/**
 * Connects this process's wake-ups to the other processes of the database: a process with the relay role
 * sends what it published, one with the consumer role listens. A process with both does both, so workers
 * in other processes are woken too (its own readers are woken directly, before the notification).
 */
@Injectable()
export class WakeupChannelHost implements OnApplicationBootstrap, OnApplicationShutdown {
  private channel?: PgWakeupChannel;
  private readonly logger = new Logger('Wakeups');

  constructor(private readonly runtime: PlatformRuntime, private readonly wakeups: ShardWakeups) {}

  async onApplicationBootstrap(): Promise<void> {
    const { config, topology } = this.runtime;
    const send = config.hasRole('relay');
    const listen = config.hasRole('consumer');
    if (!send && !listen) return;
    this.channel = new PgWakeupChannel(this.wakeups, {
      connectionString: topology.access('platform').url,
      send,
      listen,
      log: (line) => this.logger.warn(line),
    });
    await this.channel.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.channel?.stop();
  }
}
