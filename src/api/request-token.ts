// The caller's token: the `X-Racetrack-Auth` header (CONTRACT §4), or `Authorization: Bearer` as most HTTP clients send it.
import type { IncomingMessage } from 'node:http';

export function requestToken(req: IncomingMessage): string | undefined {
  const header = req.headers['x-racetrack-auth'];
  if (typeof header === 'string' && header) return header;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  return m?.[1];
}
