// Register, log in, log out, profile: password checks and registration go through AccessService, as the API's do.
import { Router, type Request, type Response } from 'express';
import { RtError } from '../../core/errors.js';
import { clientAddress } from '../../api/client-address.js';
import { field, pageOf, requireSubject, sendPage, type DashboardDeps } from '../context.js';
import { LoginPage, ProfilePage, RegisterPage } from '../views/account.js';
import { BASE } from '../views/layout.js';
import { clearSessionCookie, sessionCookieOf, setSessionCookie } from '../session-cookie.js';

/** Wrong password, unknown email and inactive account: one answer, so none can be told from another. */
export const LOGIN_REFUSED = 'wrong email or password, or the account is not active yet';
const MIN_PASSWORD = 8;

/** Where to go after login: a dashboard page only, never another site. */
export function safeNext(raw: unknown): string {
  return typeof raw === 'string' && raw.startsWith(`${BASE}/`) && !raw.startsWith('//') && !/[\\\s]/.test(raw) ? raw : `${BASE}/jobs`;
}

export function accountRoutes(deps: DashboardDeps): Router {
  const { services, sessions, throttle } = deps;
  const r = Router();

  r.get('/register', (req, res) => sendPage(res, <RegisterPage page={pageOf(req, res)} form={{}} />));
  r.post('/register', async (req, res) => {
    const email = field(req, 'email');
    const password = field(req, 'password');
    const again = (error: string, status: number) => sendPage(res, <RegisterPage page={pageOf(req, res)} form={{ email, error }} />, status);
    if (password.length < MIN_PASSWORD) return again(`password: must be at least ${MIN_PASSWORD} characters`, 400);
    try {
      const active = services.settings.registerActive;
      await services.access.register(email, password, { active, address: clientAddress(req) });
      const done = active ? 'Registered: you can log in now.' : 'Registered: an admin must activate the account before you can log in.';
      return sendPage(res, <LoginPage page={pageOf(req, res)} form={{ email, done }} next={`${BASE}/jobs`} />, 201);
    } catch (e) {
      if (e instanceof RtError && e.httpStatus < 500) return again(e.message, e.httpStatus);
      throw e;
    }
  });

  r.get('/login', (req, res) => sendPage(res, <LoginPage page={pageOf(req, res)} form={{}} next={safeNext(req.query.next)} />));
  r.post('/login', async (req, res) => {
    const email = field(req, 'email');
    const next = safeNext(field(req, 'next'));
    const again = (error: string, status: number) => sendPage(res, <LoginPage page={pageOf(req, res)} form={{ email, error }} next={next} />, status);
    try {
      // a wrong password spends the address's failure budget, as a wrong token or ssh key does
      const user = await throttle.attempt(clientAddress(req), 'dashboard login', () => services.access.checkPassword(email, field(req, 'password')));
      sessions.end(sessionCookieOf(req)); // a new session at every login: a planted cookie is never adopted
      setSessionCookie(res, sessions.start(user.email), services.settings);
      return res.redirect(303, next);
    } catch (e) {
      if (!(e instanceof RtError)) throw e;
      if (e.httpStatus === 401 || e.httpStatus === 403) return again(LOGIN_REFUSED, 401);
      if (e.httpStatus < 500) return again(e.message, e.httpStatus);
      throw e;
    }
  });

  r.post('/logout', (req, res) => {
    sessions.end(sessionCookieOf(req));
    clearSessionCookie(res, services.settings);
    res.redirect(303, `${BASE}/login`);
  });

  const profile = (req: Request, res: Response, newToken?: string) => {
    const subject = requireSubject(res);
    const admin = subject.kind === 'user' && subject.user.isAdmin;
    return sendPage(res, <ProfilePage page={pageOf(req, res)} email={subject.name} admin={admin}
      tokens={services.access.tokensOf(subject)} newToken={newToken} remote={services.publicUrl()} />);
  };
  r.get('/profile', (req, res) => profile(req, res));
  r.post('/profile/token', (req, res) => {
    const subject = requireSubject(res);
    // regenerate: the dashboard's previous tokens go, so copying a new one never leaves old ones behind
    for (const t of services.access.tokensOf(subject)) if (t.name === DASHBOARD_TOKEN) services.access.revokeToken(subject, t.id);
    return profile(req, res, services.access.createToken(subject, DASHBOARD_TOKEN).token);
  });
  return r;
}

const DASHBOARD_TOKEN = 'dashboard';
