import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { EventsController } from './events.controller';

/**
 * POST /events stays Nest's route — EventsController.publish declares it and documents it in /docs-json — but
 * Fastify runs the method itself as the route's handler: the `onRoute` hook swaps the handler Nest registers
 * (its per-request pipeline: execution context, guards, interceptors, pipes, exception zone) for a direct
 * call. The method checks the producer key itself, and what it throws reaches the same problem+json filter
 * through Fastify's error handler, which Nest installs (docs/adr/0019-ingress-fast-path.md). Every global
 * hook (security headers, the operations guard, the rate limit, Nest's middleware, the message context)
 * still runs. Install before Nest registers its routes (`app.init()`); `controller` is asked for only when
 * Nest registers POST /events, so a process without the api role (no such route) never asks.
 */
export function serveEventsIngressDirectly(fastify: FastifyInstance, controller: () => EventsController): void {
  fastify.addHook('onRoute', (route) => {
    if (route.method !== 'POST' || route.url !== '/events') return;
    const events = controller();
    route.handler = (request: FastifyRequest, reply: FastifyReply) => events.publish(request, reply);
  });
}
