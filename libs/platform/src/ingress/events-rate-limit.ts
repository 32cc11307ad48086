import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import { bearerCredential } from '../http/ops-access';
import type { ProblemDetails } from '../http/problem-details.filter';
import type { RequestWithProducerKey } from './producer-key.guard';
import type { ProducerKeyStore } from './producer-key-store';

/**
 * Limits POST /events to `perSecond` requests per producer key (ADR 0008), so one runaway producer
 * cannot take the event log's write capacity from the others. Requests without a live key share a bucket
 * per client address: inventing keys buys nothing. Runs in `onRequest`, before a 1 MiB body is parsed.
 * The key found here rides on the request, so the guard does not look it up again.
 */
export async function installEventsRateLimit(fastify: FastifyInstance, keys: ProducerKeyStore, perSecond: number): Promise<void> {
  if (perSecond === 0) return;
  await fastify.register(rateLimit, { global: false });
  const limit = fastify.createRateLimit({
    max: perSecond,
    timeWindow: 1000,
    keyGenerator: async (request) => {
      const presented = bearerCredential(request.headers.authorization);
      const key = presented ? await keys.authenticate(presented) : undefined;
      if (!key) return `ip:${request.ip}`;
      (request as RequestWithProducerKey).producerKey = key;
      return `key:${key.id}`;
    },
  });
  fastify.addHook('onRequest', async (request, reply) => {
    if (request.method !== 'POST' || request.routeOptions?.url !== '/events') return;
    const result = await limit(request);
    if (result.isAllowed) return;
    void reply.header('ratelimit-limit', result.max).header('ratelimit-remaining', result.remaining).header('ratelimit-reset', result.ttlInSeconds);
    if (!result.isExceeded) return;
    const problem: ProblemDetails = {
      type: 'urn:problem:event_log.rate_limited',
      title: 'Too Many Requests',
      status: 429,
      detail: `More than ${result.max} events per second from this producer; retry in ${result.ttlInSeconds} s.`,
      instance: request.url,
      code: 'EVENT_LOG.RATE_LIMITED',
    };
    return reply
      .code(429)
      .header('retry-after', result.ttlInSeconds)
      .header('content-type', 'application/problem+json; charset=utf-8')
      .send(problem);
  });
}
