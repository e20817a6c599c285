// /pub accepts the dashboard's session cookie (it is the X-Racetrack-Auth cookie, CONTRACT §4) as it accepts a
// token: a job's Swagger page works after login. The decision stays in memory, as the gateway requires.
import type { AuthService, Subject } from '../auth/index.js';
import type { CallAuthorizer, CallDecision } from '../router/index.js';
import { SESSION_PREFIX, type Sessions } from './sessions.js';

/** The user behind a session cookie value, if the session is live and the user active. */
export function sessionSubject(auth: AuthService, sessions: Sessions, value: string | undefined): Subject | undefined {
  const email = sessions.use(value);
  return email === undefined ? undefined : auth.userSubject(email);
}

export function withSessions(auth: AuthService, sessions: Sessions): CallAuthorizer {
  return {
    authorizeCall(token: string | undefined, jobName: string): CallDecision {
      if (!token?.startsWith(SESSION_PREFIX)) return auth.authorizeCall(token, jobName);
      const subject = sessionSubject(auth, sessions, token);
      if (!subject) return { ok: false, status: 401, error: 'session ended or expired: log in to the dashboard again' };
      if (!auth.can(subject, 'call_job', jobName)) {
        return { ok: false, status: 403, error: `user:${subject.name} has no call_job permission on job "${jobName}"` };
      }
      return { ok: true, caller: { kind: 'user', name: subject.name } };
    },
  };
}
