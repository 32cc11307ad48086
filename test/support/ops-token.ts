/** The operations token test apps and app processes run with (OPS_TOKEN), unless a test gives its own. */
export const TEST_OPS_TOKEN = 'test-ops-token-0123456789abcdefghijklmnop';

/**
 * Headers for a test request: the operations token is added to calls that need it (`/ops/*`, `/console*`,
 * `GET /events*`) when the test sent no `authorization` of its own, so tests that are not about access
 * control read as before. A test about access control passes `authorization` (even an empty one: `''`
 * sends none).
 */
export function withOpsToken(method: string, url: string, headers: Record<string, string>, token: string): Record<string, string> {
  const given = Object.keys(headers).find((h) => h.toLowerCase() === 'authorization');
  if (given !== undefined) {
    if (headers[given] !== '') return headers;
    const { [given]: _, ...rest } = headers;
    return rest;
  }
  const path = url.split('?', 1)[0];
  const needsToken = /^\/(ops|console)(\/|$)/.test(path) || (method.toUpperCase() === 'GET' && /^\/events(\/|$)/.test(path));
  return needsToken ? { ...headers, authorization: `Bearer ${token}` } : headers;
}
