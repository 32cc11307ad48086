import { Injectable } from '@nestjs/common';

/** A part of the process that /health/ready asks: database, Kinesis, relay lag, ... */
export interface ReadinessCheck {
  readonly name: string;
  check(): Promise<{ up: boolean; details?: Record<string, unknown> }>;
}

/** Components register their readiness checks here when they start (e.g. in onModuleInit). */
@Injectable()
export class ReadinessRegistry {
  private readonly checks = new Map<string, ReadinessCheck>();

  register(check: ReadinessCheck): void {
    this.checks.set(check.name, check);
  }

  all(): ReadinessCheck[] {
    return [...this.checks.values()];
  }
}

/** A readiness check that took too long: reported as `reason: TIMEOUT`. */
export class ReadinessTimeoutError extends Error {}

/** Runs `work`, failing if it takes longer than `ms` (a hung dependency must not hang the probe). */
export function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    work.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new ReadinessTimeoutError(`${what} did not answer within ${ms} ms`)), ms);
    }),
  ]);
}
