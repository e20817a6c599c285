// The session cookie is the X-Racetrack-Auth cookie /pub already reads (CONTRACT §4), so a job's Swagger page
// works after login; the gateway strips it before a job sees the request. HttpOnly, SameSite=Lax, path /.
import type { Request, Response, CookieOptions } from 'express';
import type { Settings } from '../config/index.js';

import { SESSION_COOKIE } from '../core/platform-cookies.js';

const options = (settings: Settings): CookieOptions => ({
  httpOnly: true,
  sameSite: 'lax',
  path: '/',
  secure: isHttps(settings),
});

export const isHttps = (settings: Settings): boolean => settings.publicUrl?.startsWith('https:') ?? false;

export function sessionCookieOf(req: Request): string | undefined {
  const v = (req.cookies as Record<string, unknown> | undefined)?.[SESSION_COOKIE];
  return typeof v === 'string' ? v : undefined;
}

export function setSessionCookie(res: Response, value: string, settings: Settings): void {
  // no Max-Age: the server ends an idle session; the browser drops the cookie when it closes
  res.cookie(SESSION_COOKIE, value, options(settings));
}

export function clearSessionCookie(res: Response, settings: Settings): void {
  res.clearCookie(SESSION_COOKIE, options(settings));
}
