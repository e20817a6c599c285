// The cookies the platform itself sets on its origin. Jobs answer on the same origin (under /pub), so the gateway
// drops a job's Set-Cookie for any of these: a job could otherwise log a user out or plant its own session.

/** the dashboard session, which /pub also accepts (CONTRACT §4) */
export const SESSION_COOKIE = 'X-Racetrack-Auth';
/** binds the CSRF token of a visitor not logged in (register, login) to that browser */
export const VISITOR_COOKIE = 'rt_visitor';
export const CSRF_COOKIE = 'rt_csrf';

const LOWER = new Set([SESSION_COOKIE, VISITOR_COOKIE, CSRF_COOKIE].map((n) => n.toLowerCase()));

/** Whether a Set-Cookie value sets one of the platform's cookies (names compared as a browser might, without case). */
export function setsPlatformCookie(setCookie: string): boolean {
  const eq = setCookie.indexOf('=');
  return LOWER.has((eq < 0 ? setCookie : setCookie.slice(0, eq)).trim().toLowerCase());
}
