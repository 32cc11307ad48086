import helmet, { HelmetOptions } from 'helmet';
import { trace } from '@opentelemetry/api';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { PinoLogger } from 'nestjs-pino';
import type { FastifyInstance } from 'fastify';
import { buildAsyncApiDocument } from '@eda/contracts';
import {
  createValidationPipe,
  EventsController,
  installEventsRateLimit,
  installOpsGuard,
  MAX_EVENT_BYTES,
  newMessageContext,
  OPS_PATH_PREFIXES,
  OpsAccess,
  PlatformRuntime,
  ProblemDetailsFilter,
  ProducerKeyStore,
  runInMessageContext,
  serveEventsIngressDirectly,
} from '@eda/platform';
import { AppModule } from './app.module';
import { AppLogger, loggerOptions, requestId } from './logging';

/** Room for the HTTP framing of an event: the 1 MiB limit itself is checked on the event (413). */
const BODY_LIMIT = MAX_EVENT_BYTES + 64 * 1024;

/** The version of the app's contract, in both the OpenAPI (REST) and the AsyncAPI (streams) documents. */
const API_VERSION = '0.1.0';

/**
 * Builds the Nest application (Fastify) with the problem+json filter, strict validation, OpenAPI and AsyncAPI docs,
 * security headers, the operations token guard and the POST /events rate limit (ADR 0008).
 */
export async function createApp(runtime: PlatformRuntime): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({ bodyLimit: BODY_LIMIT, genReqId: requestId, routerOptions: { ignoreTrailingSlash: true, maxParamLength: 500 } });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(runtime), adapter, { bufferLogs: true });
  app.useLogger(new AppLogger(await app.resolve(PinoLogger), loggerOptions(runtime.config)));
  app.useGlobalFilters(new ProblemDetailsFilter());
  app.useGlobalPipes(createValidationPipe());
  app.enableShutdownHooks();

  const fastify = app.getHttpAdapter().getInstance() as unknown as FastifyInstance;
  installSecurityHeaders(fastify, {
    contentSecurityPolicy: {
      directives: {
        // Swagger UI at /docs: its scripts and stylesheet are files of this origin, its inline <style> and
        // data: icons need the two exceptions. No upgrade-insecure-requests: the app is served over plain
        // HTTP (behind a TLS proxy in production), and upgrading would break /docs there.
        'default-src': ["'self'"],
        'script-src': ["'self'"],
        'style-src': ["'self'", "'unsafe-inline'"],
        'img-src': ["'self'", 'data:'],
        'upgrade-insecure-requests': null,
      },
    },
  });
  installOpsGuard(fastify, app.get(OpsAccess));
  await installEventsRateLimit(fastify, app.get(ProducerKeyStore), runtime.config.EVENTS_RATE_LIMIT_PER_SECOND);
  // POST /events: Fastify runs EventsController.publish itself, past Nest's per-request pipeline (docs/adr/0019-ingress-fast-path.md).
  serveEventsIngressDirectly(fastify, () => app.get(EventsController));
  // Every request runs in a message context: events it appends carry its request id as correlation id
  // and continue the caller's W3C trace.
  fastify.addHook('preHandler', (request, _reply, done) => {
    // Name the HTTP server span (when tracing is on) by its route, not just its method.
    const span = trace.getActiveSpan();
    const route = request.routeOptions?.url;
    if (span && route) {
      span.updateName(`${request.method} ${route}`);
      span.setAttribute('http.route', route);
    }
    const raw = request.raw as { id?: string };
    const traceparent = typeof request.headers.traceparent === 'string' ? request.headers.traceparent : undefined;
    runInMessageContext(newMessageContext(String(raw.id ?? request.id), traceparent), done);
  });

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('NestJS Kinesis event-driven modular monolith')
      .setDescription('Four bounded contexts talking through a Kinesis-backed event bus. Errors are application/problem+json (RFC 9457).')
      .setVersion(API_VERSION)
      .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'Producer key: scope `publish` for POST /events, `read` for GET /events' }, 'producer-key')
      .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'Operations token (OPS_TOKEN, or the one `npm start` printed): /ops/* and GET /events' }, 'ops-token')
      .build(),
  );
  requireOpsTokenInDocument(document);
  document.components = {
    ...document.components,
    schemas: {
      ...document.components?.schemas,
      ProblemDetails: {
        type: 'object',
        required: ['type', 'title', 'status', 'detail'],
        properties: {
          type: { type: 'string' },
          title: { type: 'string' },
          status: { type: 'integer' },
          detail: { type: 'string' },
          instance: { type: 'string' },
          code: { type: 'string', description: 'Stable domain error code, e.g. USERS.EMAIL_TAKEN' },
          errors: { type: 'object', additionalProperties: { type: 'array', items: { type: 'string' } } },
        },
      },
    },
  };
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
  // The streams' contract beside the REST one, open like /docs-json: built once from libs/contracts, with this
  // process's STREAM_PREFIX as the default of every channel address (docs/adr/0020-asyncapi-contract.md).
  const asyncApi = JSON.stringify(buildAsyncApiDocument({ version: API_VERSION, streamPrefix: runtime.config.STREAM_PREFIX }));
  fastify.get('/docs/asyncapi.json', (_request, reply) => {
    void reply.type('application/json; charset=utf-8').send(asyncApi);
  });
  return app;
}

/**
 * Helmet's security headers on every response (a route may still set its own, as the console does its
 * CSP). The middleware is built once: @fastify/helmet rebuilt it, parsing the CSP, for every request.
 */
function installSecurityHeaders(fastify: FastifyInstance, options: HelmetOptions): void {
  const setSecurityHeaders = helmet(options);
  fastify.addHook('onRequest', (request, reply, done) => setSecurityHeaders(request.raw, reply.raw, done as (error?: unknown) => void));
}

/**
 * Every operation under an operations path needs the ops token, as the guard enforces; marked here once,
 * so routes added under /ops are documented right without a decorator of their own.
 */
function requireOpsTokenInDocument(document: OpenAPIObject): void {
  const unauthorized = {
    description: 'No or wrong operations token',
    content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/ProblemDetails' } } },
  };
  for (const [path, item] of Object.entries(document.paths)) {
    if (!OPS_PATH_PREFIXES.some((prefix) => path === prefix || path.startsWith(`${prefix}/`))) continue;
    for (const method of ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const) {
      const operation = item[method];
      if (!operation) continue;
      operation.security = [{ 'ops-token': [] }];
      operation.responses = { ...operation.responses, 401: unauthorized };
    }
  }
}
