// Who is asking, for the throttle on failed authentication: the peer address of the connection.
import type { IncomingMessage } from 'node:http';

export const clientAddress = (req: IncomingMessage): string => req.socket.remoteAddress ?? '?';
