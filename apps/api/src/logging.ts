import { RequestMethod } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { trace } from '@opentelemetry/api';
import { Logger, Params } from 'nestjs-pino';
import { AppConfig, currentMessageContext } from '@eda/platform';

const REQUEST_ID = /^[\w.:-]{1,128}$/;

/** The request id: the caller's X-Request-Id when sane, else a new UUID. Fastify and the logs share it. */
export function requestId(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}

/**
 * What every log line carries besides its message: the correlation id of the message being handled (also
 * without tracing), and the trace and span ids when a tracing SDK records the active span.
 */
export function logContext(): Record<string, string> {
  const fields: Record<string, string> = {};
  const message = currentMessageContext();
  if (message) fields.correlationId = message.correlationId;
  const span = trace.getActiveSpan()?.spanContext();
  if (span && trace.isSpanContextValid(span)) {
    fields.traceId = span.traceId;
    fields.spanId = span.spanId;
  }
  return fields;
}

/** `auto`: pretty for a person at a terminal, JSON for everything else (files, pipes, collectors). */
export function prettyLogs(format: AppConfig['LOG_FORMAT'], stdoutIsTerminal = process.stdout.isTTY === true): boolean {
  return format === 'pretty' || (format === 'auto' && stdoutIsTerminal);
}

/** pino logs with the request id, correlation and trace ids on every line; JSON, or pretty at a terminal. */
export function loggerOptions(config: AppConfig): Params {
  return {
    forRoutes: [{ path: '*path', method: RequestMethod.ALL }],
    pinoHttp: {
      level: config.LOG_LEVEL,
      mixin: logContext,
      // Fastify assigns the id first (see bootstrap.ts); reuse it so logs and events agree.
      genReqId: (req: IncomingMessage) => (req as IncomingMessage & { id?: string }).id ?? requestId(req),
      // A refused request is the client's business, not a fault of the service: info, like any answer; 5xx is an error.
      customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : 'info'),
      autoLogging: { ignore: (req) => /^\/(health|metrics)/.test((req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url ?? '') },
      redact: ['req.headers.authorization'],
      ...(prettyLogs(config.LOG_FORMAT) ? { transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } } } : {}),
    },
  };
}

/** Nest's own start-up chatter: one line per module and route. Debug, so the banner is the last line a person sees. */
const START_UP_CONTEXTS = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestFactory', 'NestApplication']);

/** nestjs-pino's logger, with Nest's start-up lines at debug instead of info. */
export class AppLogger extends Logger {
  override log(message: unknown, ...optionalParams: unknown[]): void {
    const context = optionalParams[optionalParams.length - 1];
    if (typeof context === 'string' && START_UP_CONTEXTS.has(context)) return super.debug(message, ...optionalParams);
    return super.log(message, ...optionalParams);
  }
}
