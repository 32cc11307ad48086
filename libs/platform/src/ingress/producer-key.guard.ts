import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { bearerCredential, OpsAccess } from '../http/ops-access';
import { ProducerKeyScopeForbiddenError, ProducerKeyUnauthorizedError } from './event-bus.errors';
import { ProducerKey, ProducerKeyStore } from './producer-key-store';

export type RequestWithProducerKey = FastifyRequest & { producerKey?: ProducerKey };

/** The live key the request presents: the one the rate limiter already resolved, else looked up now. */
async function presentedKey(keys: ProducerKeyStore, request: RequestWithProducerKey): Promise<ProducerKey | undefined> {
  if (request.producerKey) return request.producerKey;
  const token = bearerCredential(request.headers.authorization);
  return token ? keys.authenticate(token) : undefined;
}

function unauthorized(reply: FastifyReply, detail?: string): never {
  void reply.header('www-authenticate', 'Bearer realm="events"');
  throw new ProducerKeyUnauthorizedError(detail);
}

/**
 * POST /events: `Authorization: Bearer <producer key>` of a live key (401) with the `publish` scope (403).
 * Checked by the route itself, which Fastify serves past Nest's guards (docs/adr/0019-ingress-fast-path.md).
 */
export async function publishingKey(keys: ProducerKeyStore, request: RequestWithProducerKey, reply: FastifyReply): Promise<ProducerKey> {
  const key = await presentedKey(keys, request);
  if (!key) unauthorized(reply);
  if (!keys.grants(key, 'publish')) throw new ProducerKeyScopeForbiddenError('publish');
  return key;
}

/**
 * GET /events*: the event log holds every context's events, personal data included, so reading it needs
 * the operations token or a live producer key with the `read` scope (ADR 0008).
 */
@Injectable()
export class EventLogReadGuard implements CanActivate {
  constructor(private readonly keys: ProducerKeyStore, private readonly ops: OpsAccess) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<RequestWithProducerKey>();
    if (this.ops.allows(request.headers.authorization)) return true;
    const key = await presentedKey(this.keys, request);
    if (!key) unauthorized(context.switchToHttp().getResponse<FastifyReply>(), 'Reading the event log needs `Authorization: Bearer <token>`: a producer key with the read scope, or the operations token.');
    if (!this.keys.grants(key, 'read')) throw new ProducerKeyScopeForbiddenError('read');
    request.producerKey = key;
    return true;
  }
}
