import { Injectable, OnModuleInit } from '@nestjs/common';
import { ReadinessRegistry } from '../observability/readiness';
import { RelayService } from './relay.service';

/** Relay lag beyond which /health/ready reports the relay down. */
export const RELAY_READY_MAX_LAG_MS = 120_000;

/** The relay's readiness check (name `relay`): up while the oldest unpublished event is younger than the limit. */
@Injectable()
export class RelayHealth implements OnModuleInit {
  readonly name = 'relay';

  constructor(private readonly relay: RelayService, private readonly readiness: ReadinessRegistry) {}

  onModuleInit(): void {
    this.readiness.register(this);
  }

  async check(): Promise<{ up: boolean; details: Record<string, unknown> }> {
    const status = await this.relay.status();
    return { up: status.lagMs <= RELAY_READY_MAX_LAG_MS, details: { ...status, maxLagMs: RELAY_READY_MAX_LAG_MS } };
  }
}
