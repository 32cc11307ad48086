import { Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';

export const CLOUDEVENTS_JSON = 'application/cloudevents+json';

/**
 * Lets Fastify parse `application/cloudevents+json` (the CloudEvents structured-mode media type) exactly
 * as it parses JSON: same body limit, same prototype-poisoning protection, same 400 on bad JSON.
 */
@Injectable()
export class CloudEventsContentType implements OnModuleInit {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance?.() as FastifyInstance | undefined;
    if (!fastify || typeof fastify.addContentTypeParser !== 'function' || fastify.hasContentTypeParser(CLOUDEVENTS_JSON)) return;
    fastify.addContentTypeParser(CLOUDEVENTS_JSON, { parseAs: 'string' }, fastify.getDefaultJsonParser('error', 'error'));
  }
}
