// What every dashboard handler needs: the services, the signed-in subject, the page context with its CSRF token.
import type { Request, Response } from 'express';
import type { Subject } from '../auth/index.js';
import type { AuthThrottle } from '../auth/index.js';
import type { Services } from '../services/services.js';
import { UnauthenticatedError } from '../core/errors.js';
import type { CallHistory } from './call-history.js';
import type { Sessions } from './sessions.js';
import type { PageContext } from './views/layout.js';

export interface DashboardDeps {
  services: Services;
  sessions: Sessions;
  /** the failure budget per address that ssh, git and the API's password login share */
  throttle: AuthThrottle;
  calls: CallHistory;
  /** keys the CSRF tokens; derived from the server key, so open forms survive a restart */
  csrfSecret: string;
}

/** Set by the session middleware for a live session of an active user. */
export function subjectOf(res: Response): Subject | undefined {
  return res.locals.subject as Subject | undefined;
}

/** The subject of a page that needs one (the middleware has already sent anonymous visitors to log in). */
export function requireSubject(res: Response): Subject {
  const s = subjectOf(res);
  if (!s) throw new UnauthenticatedError('log in first');
  return s;
}

export function pageOf(req: Request, res: Response): PageContext {
  return { subject: subjectOf(res), csrf: req.csrfToken ? req.csrfToken() : '' };
}

/** One string field of a submitted form; '' when absent or repeated (a repeated field is not guessed at). */
export function field(req: Request, name: string): string {
  const v = (req.body as Record<string, unknown> | undefined)?.[name];
  return typeof v === 'string' ? v : '';
}

/** Sends a rendered page. */
export async function sendPage(res: Response, html: JSX.Element, status = 200): Promise<void> {
  res.status(status).type('html').send(await html);
}
