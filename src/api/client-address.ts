// Who is asking: the peer address of the connection (the throttles count it by clientKey, an IPv6 /64 as one).
import type { IncomingMessage } from 'node:http';

export const clientAddress = (req: IncomingMessage): string => req.socket.remoteAddress ?? '?';
