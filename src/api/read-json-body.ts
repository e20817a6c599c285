// Reads a JSON object request body, bounded: a body over the limit is refused (413) before it is all read.
import type { IncomingMessage } from 'node:http';
import { BadRequestError, RtError } from '../core/errors.js';
import { readBoundedBody } from '../core/read-bounded-body.js';

export async function readJsonBody(req: IncomingMessage, limit: number): Promise<Record<string, unknown>> {
  const tooLarge = () => new RtError(`request body larger than ${formatBytes(limit)}`, { code: 'too_large', httpStatus: 413 });
  if (Number(req.headers['content-length'] ?? 0) > limit) throw tooLarge();
  const raw = await readBoundedBody(req, limit);
  if (!raw) throw tooLarge();
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new BadRequestError('request body is not JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new BadRequestError('request body must be a JSON object');
  return body as Record<string, unknown>;
}

function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${n / 1024 / 1024} MiB` : `${n / 1024} KiB`;
}
