// The /lifecycle/api/v1 HTTP API (CONTRACT §7): routes requests to the endpoints and maps errors to
// `{"error": …}` with the RtError's status — the one place the API catches.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { NotFoundError, RtError, TooManyRequestsError } from '../core/errors.js';
import { logger } from '../core/log.js';
import { sendJson } from '../core/send-json.js';
import { clientAddress } from './client-address.js';
import type { ApiContext, ApiDeps, Endpoint } from './endpoint.js';
import { deployEndpoints } from './deploy-endpoints.js';
import { infoEndpoints } from './info-endpoints.js';
import { jobEndpoints } from './job-endpoints.js';
import { pluginEndpoints } from './plugin-endpoints.js';
import { validateEndpoints } from './validate-endpoints.js';
import { readJsonBody } from './read-json-body.js';
import { requestToken } from './request-token.js';
import { Router } from './router.js';
import { userEndpoints } from './user-endpoints.js';

const log = logger('rt:api');
export const API_PREFIX = '/lifecycle/api/v1';
const DEFAULT_BODY_LIMIT = 64 * 1024;

export function createLifecycleApi(deps: ApiDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const router = new Router<Endpoint>();
  for (const e of [...jobEndpoints, ...deployEndpoints, ...userEndpoints, ...infoEndpoints, ...validateEndpoints, ...pluginEndpoints]) {
    router.add(e.method, e.path, e);
  }

  return (req, res) => {
    const aborter = new AbortController();
    res.on('close', () => aborter.abort());
    serve(req, res, aborter.signal).catch((e: unknown) => {
      const err = e instanceof RtError ? e : new RtError('internal error');
      if (res.headersSent) return void res.destroy();
      if (!(e instanceof RtError)) log.error({ err: e, method: req.method, url: req.url }, 'API request failed');
      const headers = err instanceof TooManyRequestsError ? { 'retry-after': String(err.retryAfterSeconds) } : undefined;
      sendJson(res, err.httpStatus, { error: err.message, ...(err.details.length ? { details: err.details } : {}) }, headers);
    });
  };

  async function serve(req: IncomingMessage, res: ServerResponse, signal: AbortSignal): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://racetrack');
    const path = url.pathname.startsWith(`${API_PREFIX}/`) ? url.pathname.slice(API_PREFIX.length) : undefined;
    const found = path === undefined ? undefined : router.match(req.method ?? 'GET', path);
    if (!found) throw new NotFoundError(`no route for ${req.method} ${url.pathname}`);
    if ('allowed' in found) return sendJson(res, 405, { error: `${req.method} is not allowed on ${url.pathname}` }, { allow: found.allowed.join(', ') });
    const endpoint = found.handler;
    const ctx: ApiContext = {
      req,
      params: found.params,
      query: url.searchParams,
      deps,
      signal,
      subject: () => {
        const token = requestToken(req);
        // a wrong token spends the address's budget of failures; a request without one does not
        if (!token) return deps.services.auth.requireToken(undefined);
        return deps.throttle.attempt(clientAddress(req), 'api', () => deps.services.auth.requireToken(token));
      },
      body: () => readJsonBody(req, endpoint.bodyLimit ?? DEFAULT_BODY_LIMIT),
    };
    const answer = await endpoint.handle(ctx);
    if ('body' in answer) return sendJson(res, answer.status ?? 200, answer.body);
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-cache' });
    for await (const chunk of answer.stream) res.write(chunk);
    res.end();
  }
}
