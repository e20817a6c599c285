// The /lifecycle/api/v1 HTTP API (CONTRACT §7), an express 5 app mounted by the one HTTP listener (src/server/http-app.ts),
// behind its limits on heads, bodies and connections. Each endpoint of the tables is mounted on an express Router;
// errors become `{"error": …}` with the RtError's status — the one place the API catches. The API reads tokens only:
// the dashboard's session cookie is never looked at (the API has no CSRF protection).
import express, { type NextFunction, type Request, type Response } from 'express';
import { BadRequestError, NotFoundError, RtError, TooManyRequestsError } from '../core/errors.js';
import { logger } from '../core/log.js';
import { sendJson } from '../core/send-json.js';
import { clientAddress } from './client-address.js';
import type { ApiContext, ApiDeps, Endpoint } from './endpoint.js';
import { deployEndpoints } from './deploy-endpoints.js';
import { infoEndpoints } from './info-endpoints.js';
import { jobEndpoints } from './job-endpoints.js';
import { pluginEndpoints } from './plugin-endpoints.js';
import { validateEndpoints } from './validate-endpoints.js';
import { readJsonBody, readRawBody } from './read-body.js';
import { requestToken } from './request-token.js';
import { userEndpoints } from './user-endpoints.js';

const log = logger('rt:api');
export const API_PREFIX = '/lifecycle/api/v1';
const DEFAULT_BODY_LIMIT = 64 * 1024;

export function createLifecycleApi(deps: ApiDeps): express.Express {
  const endpoints = [...jobEndpoints, ...deployEndpoints, ...userEndpoints, ...infoEndpoints, ...validateEndpoints, ...pluginEndpoints];
  const byPath = new Map<string, Map<string, Endpoint>>();
  for (const e of endpoints) byPath.set(e.path, (byPath.get(e.path) ?? new Map<string, Endpoint>()).set(e.method, e));

  const router = express.Router({ caseSensitive: true });
  for (const [path, methods] of byPath) {
    // the method is matched here, exactly (HEAD is not GET): a path served under other methods only is a 405
    router.all(path, (req, res, next) => {
      const endpoint = methods.get(req.method);
      if (!endpoint) {
        (res.locals.allowed as string[] | undefined ?? (res.locals.allowed = [])).push(...methods.keys());
        return next();
      }
      serve(endpoint, req, res).catch(next);
    });
  }

  const app = express();
  app.disable('x-powered-by');
  app.use(API_PREFIX, router);
  app.use((req: Request, res: Response) => {
    const path = pathOf(req);
    const allowed = res.locals.allowed as string[] | undefined;
    if (allowed) return sendJson(res, 405, { error: `${req.method} is not allowed on ${path}` }, { allow: [...new Set(allowed)].join(', ') });
    answerError(res, new NotFoundError(`no route for ${req.method} ${path}`));
  });
  app.use((e: unknown, req: Request, res: Response, _next: NextFunction) => {
    if (res.headersSent) return void res.destroy();
    const failedParam = /^Failed to decode param '(.*)'$/s.exec((e as Error | undefined)?.message ?? '');
    if (failedParam) return answerError(res, new BadRequestError(`malformed URL segment "${failedParam[1]}"`));
    if (!(e instanceof RtError)) log.error({ err: e, method: req.method, url: req.originalUrl }, 'API request failed');
    answerError(res, e instanceof RtError ? e : new RtError('internal error'));
  });
  return app;

  async function serve(endpoint: Endpoint, req: Request, res: Response): Promise<void> {
    const aborter = new AbortController();
    res.on('close', () => aborter.abort());
    const limit = endpoint.bodyLimit ?? DEFAULT_BODY_LIMIT;
    const ctx: ApiContext = {
      req,
      params: { ...(req.params as Record<string, string>) },
      query: new URL(req.originalUrl, 'http://racetrack').searchParams,
      deps,
      signal: aborter.signal,
      subject: () => {
        const token = requestToken(req);
        // a wrong token spends the address's budget of failures; a request without one does not
        if (!token) return deps.services.auth.requireToken(undefined);
        return deps.throttle.attempt(clientAddress(req), 'api', () => deps.services.auth.requireToken(token));
      },
      body: () => readJsonBody(req, res, limit),
      rawBody: () => readRawBody(req, res, limit, endpoint.tooLargeMessage),
    };
    const answer = await endpoint.handle(ctx);
    if ('body' in answer) return sendJson(res, answer.status ?? 200, answer.body);
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-cache' });
    for await (const chunk of answer.stream) res.write(chunk);
    res.end();
  }
}

function answerError(res: Response, err: RtError): void {
  const headers = err instanceof TooManyRequestsError ? { 'retry-after': String(err.retryAfterSeconds) } : undefined;
  sendJson(res, err.httpStatus, { error: err.message, ...(err.details.length ? { details: err.details } : {}) }, headers);
}

/** the request's path as sent (not decoded), for error messages */
const pathOf = (req: Request): string => new URL(req.originalUrl, 'http://racetrack').pathname;
