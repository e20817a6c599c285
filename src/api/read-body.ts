// Request bodies, bounded, read by express's body parser only when an endpoint asks (after its token check):
// the raw bytes, or a JSON object. A body over the limit is refused (413) before it is all read.
import type { IncomingMessage, ServerResponse } from 'node:http';
import express from 'express';
import { BadRequestError, RtError } from '../core/errors.js';

/** the body's bytes, whatever its content type; an empty buffer when there is none */
export function readRawBody(req: IncomingMessage, res: ServerResponse, limit: number, tooLargeMessage = `request body larger than ${formatBytes(limit)}`): Promise<Buffer> {
  const tooLarge = () => new RtError(tooLargeMessage, { code: 'too_large', httpStatus: 413 });
  if (Number(req.headers['content-length'] ?? 0) > limit) return Promise.reject(tooLarge());
  return new Promise((resolve, reject) => {
    let finished = false;
    express.raw({ type: () => true, limit, inflate: false })(req as express.Request, res as express.Response, (err?: unknown) => {
      finished = true;
      req.off('data', cutOff);
      if (err) return reject(isTooLarge(err) ? tooLarge() : new BadRequestError(`request body: ${(err as Error).message}`));
      const body = (req as { body?: unknown }).body;
      resolve(Buffer.isBuffer(body) ? body : Buffer.alloc(0));
    });
    // the parser reads off the rest of a body it refused before it answers; past the bound, the request is cut off
    let seen = 0;
    function cutOff(chunk: Buffer): void {
      seen += chunk.length;
      if (seen > limit) req.destroy();
    }
    if (!finished) req.on('data', cutOff);
  });
}

export async function readJsonBody(req: IncomingMessage, res: ServerResponse, limit: number): Promise<Record<string, unknown>> {
  const raw = await readRawBody(req, res, limit);
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new BadRequestError('request body is not JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new BadRequestError('request body must be a JSON object');
  return body as Record<string, unknown>;
}

const isTooLarge = (err: unknown): boolean => (err as { type?: unknown }).type === 'entity.too.large';

function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${n / 1024 / 1024} MiB` : `${n / 1024} KiB`;
}
