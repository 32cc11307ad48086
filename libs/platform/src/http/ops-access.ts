import { createHash, timingSafeEqual } from 'node:crypto';

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

/** The credential of `Authorization: Bearer <credential>`, or undefined when the header is absent or of another scheme. */
export function bearerCredential(header: unknown): string | undefined {
  return typeof header === 'string' ? BEARER.exec(header)?.[1] : undefined;
}

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/**
 * The operations token (ADR 0008): what /ops/* (and reading the event log) asks for. Compared in constant
 * time over SHA-256 digests, so neither the token's content nor its length leaks through timing. With no
 * token configured nothing matches: a process that somehow has none keeps its operations routes closed.
 */
export class OpsAccess {
  private readonly expected?: Buffer;
  /** A short, non-secret name of the token for logs: who did an operation, without writing the token down. */
  readonly fingerprint?: string;

  constructor(token?: string) {
    if (token) {
      this.expected = digest(token);
      this.fingerprint = fingerprintOf(token);
    }
  }

  /** True when `Authorization` carries the operations token. */
  allows(authorization: unknown): boolean {
    const presented = bearerCredential(authorization);
    if (!this.expected || presented === undefined) return false;
    return timingSafeEqual(digest(presented), this.expected);
  }
}

/** First 12 hex digits of the SHA-256 of a secret: enough to tell tokens apart in logs, useless to an attacker. */
export function fingerprintOf(secret: string): string {
  return `sha256:${digest(secret).toString('hex').slice(0, 12)}`;
}
