// A listening socket on a loopback port, for a replica to inherit: the server binds, the job only accepts. Calls so
// reach a sandboxed job with no forwarder in between, and while no replica holds the port it refuses connections.
import { createServer, type Server } from 'node:net';

export function openListener(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ port, host: '127.0.0.1' }, () => resolve(server));
  });
}

export function listenerPort(server: Server): number {
  return (server.address() as { port: number }).port;
}

/** The listener's file descriptor, for spawn's stdio, which duplicates it into the child. */
export function listenerFd(server: Server): number {
  // node has no public accessor; the handle's fd is the kernel's socket
  const fd = (server as unknown as { _handle?: { fd?: number } })._handle?.fd;
  if (typeof fd !== 'number' || fd < 0) throw new Error('the listener has no file descriptor');
  return fd;
}
