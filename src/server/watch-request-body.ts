// Bounds the time a client may take to send a request body: it may not pause longer than `idleMs`, and
// after that first stretch its average rate may not fall below `minRate` bytes/s (a body trickled at one
// byte every few seconds never pauses long, but never ends either). Time during which the server itself
// holds the body back (its buffer is full because the reader is slower) is not held against the client.
// The idea is Apache's mod_reqtimeout (body=…,MinRate=…).
import type { IncomingMessage } from 'node:http';

export interface BodyLimits {
  idleMs: number;
  /** bytes per second; 0 turns the rate check off */
  minRate: number;
}

/** Destroys the request's socket when the client breaks the limits; a no-op for requests without a body. */
export function watchRequestBody(req: IncomingMessage, limits: BodyLimits): void {
  if (!hasBody(req.rawHeaders)) return;
  const socket = req.socket;
  // bytes are counted on the socket, so watching never changes how the body is read
  const startBytes = socket.bytesRead;
  let seenBytes = startBytes;
  let activeMs = 0;
  let lastArrival = performance.now();
  let lastTick = lastArrival;
  const check = (): void => {
    const now = performance.now();
    const heldBack = req.readableLength >= req.readableHighWaterMark;
    if (socket.bytesRead !== seenBytes || heldBack) {
      seenBytes = socket.bytesRead;
      lastArrival = now;
    }
    if (!heldBack) activeMs += now - lastTick;
    lastTick = now;
    const idle = now - lastArrival >= limits.idleMs;
    const slow = limits.minRate > 0 && activeMs >= limits.idleMs && seenBytes - startBytes < (limits.minRate * activeMs) / 1000;
    if (idle || slow) {
      socket.destroy();
      return;
    }
    timer.refresh();
  };
  // checks at a quarter of the idle time: cheap, and a limit is enforced within 25% of itself
  const timer = setTimeout(check, Math.max(50, limits.idleMs / 4));
  timer.unref();
  const stop = (): void => clearTimeout(timer);
  req.once('end', stop);
  req.once('close', stop);
}

/**
 * A Content-Length other than 0, or a Transfer-Encoding (Node's parser refused the request if it had both).
 * Read from the raw headers: `req.headers` is built on first use, a cost every request would pay here.
 */
function hasBody(raw: readonly string[]): boolean {
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length === 14 && name.toLowerCase() === 'content-length') {
      if (raw[i + 1] !== '0') return true;
    } else if (name.length === 17 && name.toLowerCase() === 'transfer-encoding') {
      return true;
    }
  }
  return false;
}
