// A request body read whole, up to a bound: undefined once it passes `max` bytes (the rest is not read).
import type { IncomingMessage } from 'node:http';

export async function readBoundedBody(req: IncomingMessage, max: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > max) return undefined; // leaving the loop destroys the request
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
