import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '../ddd/domain-error';

export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  code?: string;
  errors?: Record<string, string[]>;
  /** /health/ready's checks (terminus' `details`) when the service is not ready: which part is down, and why (a code). */
  details?: Record<string, unknown>;
}

/** Maps domain error codes (by their reason, after the context prefix) to HTTP statuses. */
const STATUS_BY_REASON: Array<[RegExp, number]> = [
  [/NOT_FOUND$/, HttpStatus.NOT_FOUND],
  [/(TAKEN|ALREADY_EXISTS|CONFLICT|ALREADY_[A-Z_]+|INVALID_STATE)$/, HttpStatus.CONFLICT],
  [/TOO_LARGE$/, HttpStatus.PAYLOAD_TOO_LARGE],
  [/UNAUTHORIZED$/, HttpStatus.UNAUTHORIZED],
  [/FORBIDDEN$/, HttpStatus.FORBIDDEN],
];

export function statusForDomainError(error: DomainError): number {
  for (const [pattern, status] of STATUS_BY_REASON) if (pattern.test(error.code)) return status;
  return HttpStatus.UNPROCESSABLE_ENTITY;
}

const TITLES: Record<number, string> = {
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed',
  406: 'Not Acceptable', 409: 'Conflict', 413: 'Content Too Large', 415: 'Unsupported Media Type',
  422: 'Unprocessable Content', 429: 'Too Many Requests', 500: 'Internal Server Error', 503: 'Service Unavailable',
};

export class ValidationProblem extends HttpException {
  constructor(readonly fieldErrors: Record<string, string[]>, detail = 'The request is invalid.') {
    super(detail, HttpStatus.BAD_REQUEST);
  }
}

/**
 * The one place errors become HTTP answers: RFC 9457 problem+json for everything. Domain errors map by
 * code, framework errors keep their status, and anything unexpected is a 500 logged with its stack.
 */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('ProblemDetails');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    const request = http.getRequest<FastifyRequest>();
    const problem = this.toProblem(exception);
    problem.instance = request?.url;
    if (problem.status >= 500) this.logger.error({ err: exception, url: request?.url }, 'unhandled error');
    void reply.status(problem.status).header('content-type', 'application/problem+json; charset=utf-8').send(problem);
  }

  toProblem(exception: unknown): ProblemDetails {
    if (exception instanceof DomainError) {
      const status = statusForDomainError(exception);
      return { type: `urn:problem:${exception.code.toLowerCase()}`, title: TITLES[status] ?? 'Error', status, detail: exception.message, code: exception.code };
    }
    if (exception instanceof ValidationProblem) {
      return { type: 'urn:problem:validation', title: TITLES[400], status: 400, detail: exception.message, errors: exception.fieldErrors };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const body = exception.getResponse();
      const detail = typeof body === 'string' ? body : ((body as { message?: unknown }).message ?? exception.message);
      const problem: ProblemDetails = { type: `urn:problem:http-${status}`, title: TITLES[status] ?? 'Error', status, detail: Array.isArray(detail) ? detail.join('; ') : String(detail) };
      const health = body as { status?: unknown; details?: unknown };
      if (status === HttpStatus.SERVICE_UNAVAILABLE && health.status === 'error' && typeof health.details === 'object' && health.details !== null) {
        // Terminus' readiness result: checks report stable reason codes only (HealthController), safe to show.
        problem.detail = 'Not ready: a dependency is down.';
        problem.details = health.details as Record<string, unknown>;
      }
      return problem;
    }
    const fastifyError = exception as { statusCode?: number; code?: string; message?: string };
    if (typeof fastifyError?.statusCode === 'number' && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
      // Body parser errors (bad JSON, too large, unsupported media type) arrive as Fastify errors.
      const status = fastifyError.statusCode;
      return { type: `urn:problem:http-${status}`, title: TITLES[status] ?? 'Error', status, detail: fastifyError.message ?? 'Bad request' };
    }
    return { type: 'urn:problem:internal', title: TITLES[500], status: 500, detail: 'An unexpected error occurred.' };
  }
}
