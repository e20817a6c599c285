// /users: sign up with an email and password (inactive until an admin activates it, unless
// RACETRACK_REGISTER_ACTIVE), and log in for a token. Racetrack's clients send the email as `username`.
import { BadRequestError, RtError } from '../core/errors.js';
import type { Endpoint } from './endpoint.js';
import { clientAddress } from './client-address.js';

export const userEndpoints: Endpoint[] = [
  {
    method: 'POST',
    path: '/users/register',
    async handle({ deps: { services }, body }) {
      const { email, password } = credentials(await body());
      const user = await services.access.register(email, password, services.settings.registerActive);
      return { status: 201, body: { username: user.email, active: user.isActive } };
    },
  },
  {
    method: 'POST',
    path: '/users/login',
    async handle({ deps: { services, throttle }, body, req }) {
      const { email, password } = credentials(await body());
      const { user, token } = await services.access.login(email, password).catch(async (e: unknown) => {
        // guessing passwords costs time, as guessing tokens does
        if (e instanceof RtError && e.httpStatus === 401) await throttle.fail(clientAddress(req), 'api login');
        throw e;
      });
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
