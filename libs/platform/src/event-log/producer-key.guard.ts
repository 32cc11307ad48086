import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ProducerKeyUnauthorizedError } from './event-bus.errors';
import { ProducerKey, ProducerKeyStore } from './producer-key-store';

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

export type RequestWithProducerKey = FastifyRequest & { producerKey?: ProducerKey };

/** Resolves `Authorization: Bearer <producer key>` to a live key (401 otherwise) and puts it on the request. */
@Injectable()
export class ProducerKeyGuard implements CanActivate {
  constructor(private readonly keys: ProducerKeyStore) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const http = context.switchToHttp();
    const request = http.getRequest<RequestWithProducerKey>();
    const header = request.headers.authorization;
    const token = typeof header === 'string' ? BEARER.exec(header)?.[1] : undefined;
    const key = token ? await this.keys.authenticate(token) : undefined;
    if (!key) {
      void http.getResponse<FastifyReply>().header('www-authenticate', 'Bearer realm="events"');
      throw new ProducerKeyUnauthorizedError();
    }
    request.producerKey = key;
    return true;
  }
}
