import { Logger } from '@nestjs/common';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ProblemDetails } from './problem-details.filter';
import { OpsAccess } from './ops-access';

/** Every route under these paths needs the operations token, whoever adds it and however it is served. */
export const OPS_PATH_PREFIXES = ['/ops', '/console'] as const;

/**
 * The operations console's static shell (ADR 0013): HTML, script and stylesheet that hold no data, served
 * without the token because a browser cannot send a Bearer header when it navigates. The script asks for the
 * token and calls the /ops/* JSON routes with it. Exactly these paths, for GET and HEAD only.
 */
export const CONSOLE_SHELL_PATHS = ['/console', '/console/console.js', '/console/console.css'] as const;

const READ_ONLY_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

const underPrefix = (path: string) => {
  const lower = path.toLowerCase();
  // Collapsing slashes never makes a prefix appear: a path without one (nearly every request) is done here.
  if (!OPS_PATH_PREFIXES.some((prefix) => lower.includes(prefix))) return false;
  const p = lower.replace(/\/{2,}/g, '/');
  return OPS_PATH_PREFIXES.some((prefix) => p === prefix || p.startsWith(`${prefix}/`));
};

function decoded(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

/**
 * The request is for an operations path: by the route it matched (so `/%6fps/relay`, which the router
 * decodes to `/ops/relay`, counts) or by its path (so an unknown `/ops/...` is a 401, not a 404 that tells
 * which routes exist).
 */
export function isOpsRequest(request: FastifyRequest): boolean {
  const route = request.routeOptions?.url;
  const query = request.url.indexOf('?');
  const path = query === -1 ? request.url : request.url.slice(0, query);
  // Only a percent-escape can make the decoded path differ.
  return (route !== undefined && underPrefix(route)) || underPrefix(path) || (path.includes('%') && underPrefix(decoded(path)));
}

/** A GET or HEAD of one of the console's shell files, matched on the route and the raw path alike. */
function isConsoleShell(request: FastifyRequest): boolean {
  if (request.method !== 'GET' && request.method !== 'HEAD') return false;
  const path = request.url.split('?', 1)[0].replace(/\/$/, '');
  const route = request.routeOptions?.url;
  return (CONSOLE_SHELL_PATHS as readonly string[]).includes(path) && route !== undefined && (CONSOLE_SHELL_PATHS as readonly string[]).includes(route);
}

export const OPS_UNAUTHORIZED: ProblemDetails = {
  type: 'urn:problem:ops.unauthorized',
  title: 'Unauthorized',
  status: 401,
  detail: 'Operations routes need `Authorization: Bearer <operations token>` (OPS_TOKEN, or the token `npm start` printed).',
  code: 'OPS.UNAUTHORIZED',
};

/**
 * The one guard of the operations surface (ADR 0008): a Fastify `onRequest` hook, so it runs for every
 * route under OPS_PATH_PREFIXES — controllers other modules add, static files, unknown paths — before the
 * body is parsed, and no route can forget a decorator. Changes made with the token are logged with its
 * fingerprint, never the token.
 */
export function installOpsGuard(fastify: FastifyInstance, access: OpsAccess): void {
  const logger = new Logger('Operations');
  fastify.addHook('onRequest', (request, reply, done) => {
    if (!isOpsRequest(request)) return done();
    if (isConsoleShell(request)) return done();
    if (access.allows(request.headers.authorization)) {
      if (!READ_ONLY_METHODS.has(request.method)) {
        logger.log({ method: request.method, route: request.routeOptions?.url ?? null, url: request.url, token: access.fingerprint, ip: request.ip }, 'ops action');
      }
      return done();
    }
    void reply
      .code(401)
      .header('www-authenticate', 'Bearer realm="ops"')
      .header('content-type', 'application/problem+json; charset=utf-8')
      .send({ ...OPS_UNAUTHORIZED, instance: request.url });
  });
}
