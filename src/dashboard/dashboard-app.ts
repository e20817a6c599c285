// The dashboard: an express 5 app under /dashboard, mounted by the one HTTP listener (src/server/http-app.ts),
// behind the listener's limits on heads, bodies and connections. Server-rendered pages; every form is CSRF-checked.
import { randomBytes } from 'node:crypto';
import express, { type NextFunction, type Request, type Response } from 'express';
import cookieParser from 'cookie-parser';
import { doubleCsrf } from 'csrf-csrf';
import { RtError } from '../core/errors.js';
import { logger } from '../core/log.js';
import { pageOf, sendPage, type DashboardDeps } from './context.js';
import { sessionSubject } from './session-authorizer.js';
import { clearSessionCookie, isHttps, sessionCookieOf } from './session-cookie.js';
import { staticFiles } from './static-files.js';
import { accountRoutes } from './routes/account.js';
import { jobsRoutes } from './routes/jobs.js';
import { adminRoutes } from './routes/admin.js';
import { pluginsRoutes } from './routes/plugins.js';
import { PLUGIN_INSTALL_PATH } from './views/plugins.js';
import { CSRF_COOKIE, VISITOR_COOKIE } from '../core/platform-cookies.js';
import { ErrorPage } from './views/error.js';
import { BASE } from './views/layout.js';

const log = logger('rt:dashboard');
/** the pages a visitor without a session may open */
const OPEN_TO_VISITORS = new Set(['/login', '/register']);
/** forms are a few short fields */
const MAX_FORM_BYTES = 16 * 1024;

const SECURITY_HEADERS = {
  // a page a job serves under /pub shares this origin: a dashboard window it opens is not scriptable by it
  'cross-origin-opener-policy': 'same-origin',
  'content-security-policy': "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
  'x-frame-options': 'DENY',
};

export function createDashboard(deps: DashboardDeps): express.Express {
  const { services, sessions } = deps;
  const secure = isHttps(services.settings);
  const csrf = doubleCsrf({
    getSecret: () => deps.csrfSecret,
    getSessionIdentifier: (req) => (req.res?.locals.subject ? sessionCookieOf(req) : visitorOf(req)) ?? '',
    cookieName: CSRF_COOKIE,
    cookieOptions: { sameSite: 'lax', path: BASE, secure, httpOnly: true },
    // forms send it in the body; the live log's EventSource URL and the plugin upload's action carry it as a ticket
    getCsrfTokenFromRequest: (req) => ((req.body as Record<string, unknown> | undefined)?._csrf ?? (carriesTicket(req.path) ? req.query.ticket : undefined)) as string | undefined,
    // the live log is a GET, yet it must show it was opened by a dashboard page
    skipCsrfProtection: (req) => (req.method === 'GET' || req.method === 'HEAD') && !isLogStream(req.path),
    ignoredMethods: [],
  });

  const r = express.Router();
  r.use((_req, res, next) => {
    res.set(SECURITY_HEADERS);
    next();
  });
  r.use('/static', staticFiles());
  r.use(navigationsOnly);
  r.use((_req, res, next) => {
    res.set('cache-control', 'no-store'); // pages show tokens and logs
    next();
  });
  r.use(cookieParser());
  r.use((req, res, next) => {
    const value = sessionCookieOf(req);
    const subject = sessionSubject(services.auth, sessions, value);
    if (subject) res.locals.subject = subject;
    else if (value) clearSessionCookie(res, services.settings);
    if (!subject && !visitorOf(req)) {
      const id = randomBytes(18).toString('base64url');
      (req.cookies as Record<string, string>)[VISITOR_COOKIE] = id;
      res.cookie(VISITOR_COOKIE, id, { httpOnly: true, sameSite: 'lax', path: BASE, secure });
    }
    next();
  });
  r.use((req, res, next) => {
    if (res.locals.subject || OPEN_TO_VISITORS.has(req.path)) return next();
    // no session, or it expired: log in, then back to the page asked for (before the CSRF check, which would
    // refuse a form whose session ended)
    res.redirect(303, `${BASE}/login?next=${encodeURIComponent(req.method === 'GET' ? req.originalUrl : `${BASE}/jobs`)}`);
  });
  r.use(express.urlencoded({ extended: false, limit: MAX_FORM_BYTES, parameterLimit: 20 }));
  r.use(csrf.doubleCsrfProtection);
  r.get('/', (_req, res) => res.redirect(303, `${BASE}/jobs`));
  r.use(accountRoutes(deps));
  r.use(jobsRoutes(deps));
  r.use(adminRoutes(deps));
  r.use(pluginsRoutes(deps));
  r.use((req, res) => sendPage(res, ErrorPage({ page: pageOf(req, res), status: 404, message: `no page ${req.path}` }), 404));
  r.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    if (res.headersSent) return res.destroy();
    const page = (status: number, message: string) => sendPage(res, ErrorPage({ page: pageOf(req, res), status, message }), status);
    if (err === csrf.invalidCsrfTokenError) return page(403, 'This form is out of date or was sent from another site: reload the page and submit it again.');
    if (err instanceof RtError) return page(err.httpStatus, err.message);
    const status = (err as { status?: unknown }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) return page(status, (err as Error).message);
    log.error({ err, path: req.path }, 'dashboard page failed');
    return page(500, 'internal error');
  });

  const app = express();
  app.disable('x-powered-by');
  app.use(BASE, r);
  return app;
}

/**
 * Jobs are untrusted and their pages share this origin, so a job's script could fetch a dashboard page with the
 * user's cookie, read its CSRF token and post a form. Browsers say what a request is for (Fetch Metadata): the
 * dashboard answers navigations only — and the live log, whose URL carries the page's CSRF token as a ticket.
 * Clients that send no Sec-Fetch-Mode (curl, old browsers) are not scripts of another page.
 */
function navigationsOnly(req: Request, res: Response, next: NextFunction): void {
  const mode = req.headers['sec-fetch-mode'];
  if (mode === undefined || mode === 'navigate' || isLogStream(req.path)) return next();
  res.status(403).type('text/plain').send('the dashboard answers page navigations only');
}

const carriesTicket = (path: string): boolean => isLogStream(path) || path === PLUGIN_INSTALL_PATH;

export const isLogStream = (path: string): boolean => /^\/jobs\/[^/]+\/[^/]+\/logs\/stream$/.test(path);

function visitorOf(req: Request): string | undefined {
  const v = (req.cookies as Record<string, unknown> | undefined)?.[VISITOR_COOKIE];
  return typeof v === 'string' && v ? v : undefined;
}
