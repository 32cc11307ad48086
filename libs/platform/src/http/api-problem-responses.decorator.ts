import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';

const DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid input (problem+json with `errors` per field); nothing changed',
  401: 'No or bad credentials',
  403: 'Not allowed',
  404: 'Unknown resource',
  409: 'Conflicts with the current state',
  413: 'Body too large',
  422: 'Well-formed, but the domain refuses it',
  429: 'Too many requests: wait as long as `Retry-After` says',
};

/** Documents the problem+json answers a route can give. */
export function ApiProblemResponses(...statuses: number[]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ...statuses.map((status) =>
      ApiResponse({
        status,
        description: DESCRIPTIONS[status] ?? 'Error',
        content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/ProblemDetails' } } },
      }),
    ),
  );
}
