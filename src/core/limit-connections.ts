// Caps a listener's open connections overall and per client (an IPv4 address or an IPv6 /64: clientKey), so one
// client cannot take every socket the process has. A connection over a cap is closed at once, before a byte of it is read.
import type { Server, Socket } from 'node:net';
import { clientKey } from './client-key.js';
import { logger } from './log.js';

const log = logger('rt:server');

export interface ConnectionLimits {
  total: number;
  perAddress: number;
}

/** `what` names the listener in the log (`http`, `ssh`). */
export function limitConnections(server: Server, limits: ConnectionLimits, what: string): void {
  server.maxConnections = limits.total;
  const open = new Map<string, number>();
  let warned = 0;
  server.on('connection', (socket: Socket) => {
    const address = clientKey(socket.remoteAddress);
    const count = (open.get(address) ?? 0) + 1;
    if (count > limits.perAddress) {
      // at most one line a minute: a flood must not flood the log too
      if (Date.now() - warned > 60_000) {
        warned = Date.now();
        log.warn({ listener: what, address, limit: limits.perAddress }, 'too many connections from one address; closing new ones');
      }
      socket.destroy();
      return;
    }
    open.set(address, count);
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left > 0) open.set(address, left);
      else open.delete(address);
    });
  });
}
