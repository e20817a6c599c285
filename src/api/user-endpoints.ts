// /users: sign up with an email and password (inactive until an admin activates it, unless
// RACETRACK_REGISTER_ACTIVE), and log in for a token. Racetrack's clients send the email as `username`.
// Both are throttled per client address; neither tells whether an email has an account.
import { BadRequestError } from '../core/errors.js';
import type { Endpoint } from './endpoint.js';
import { clientAddress } from './client-address.js';

export const userEndpoints: Endpoint[] = [
  {
    // the same answer whether the email is new, pending or an account already
    method: 'POST',
    path: '/users/register',
    async handle({ deps: { services }, body, req }) {
      const { email, password } = credentials(await body());
      const active = services.settings.registerActive;
      const username = await services.access.register(email, password, { active, address: clientAddress(req) });
      return { status: 201, body: { username, active } };
    },
  },
  {
    method: 'POST',
    path: '/users/login',
    async handle({ deps: { services, throttle }, body, req }) {
      const { email, password } = credentials(await body());
      // a wrong password spends the address's budget of failures, as a wrong token does
      const { user, token } = await throttle.attempt(clientAddress(req), 'api login', () => services.access.login(email, password));
      return { body: { username: user.email, token, is_staff: user.isAdmin } };
    },
  },
];

function credentials(body: Record<string, unknown>): { email: string; password: string } {
  const email = body.username ?? body.email;
  if (typeof email !== 'string' || !email) throw new BadRequestError('username: required (your email address)');
  if (typeof body.password !== 'string') throw new BadRequestError('password: required');
  return { email, password: body.password };
}
