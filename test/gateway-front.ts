// The pub gateway behind a real HTTP listener, mounted as the server mounts it, with a fake authorizer:
// what the attack tests drive with raw sockets.
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGateway, InMemoryAsyncTaskStore, RouteTable, type CallAuthorizer, type Gateway, type GatewayOptions, type RouteVersion } from '../src/router/index.js';

/** `good` is alice, `other` is bob, `denied` has no call_job; anything else is unknown. */
export const testAuthorizer: CallAuthorizer = {
  authorizeCall(token, jobName) {
    if (token === 'good') return { ok: true, caller: { kind: 'user', name: 'alice@example.com' } };
    if (token === 'other') return { ok: true, caller: { kind: 'user', name: 'bob@example.com' } };
    if (token === 'denied') return { ok: false, status: 403, error: `no call_job permission on job "${jobName}"` };
    return { ok: false, status: 401, error: token ? 'unknown token' : 'missing token' };
  },
};

export interface Front {
  /** `127.0.0.1:PORT` of the listener */
  address: string;
  gateway: Gateway;
  close(): Promise<void>;
}

export function route(name: string, version: string, upstreams: string[], over: Partial<RouteVersion> = {}): RouteVersion {
  return { name, version, status: 'running', upstreams, publicEndpoints: [], promoted: true, ...over };
}

export async function startGatewayFront(versions: RouteVersion[], opts: Partial<GatewayOptions> = {}): Promise<Front> {
  const routes = new RouteTable();
  routes.replaceAll(versions);
  const gateway = createGateway({ routes, authorizer: testAuthorizer, authRequired: true, asyncTasks: new InMemoryAsyncTaskStore(), ...opts });
  const server = http.createServer((req, res) => {
    if (req.url?.startsWith('/pub/')) gateway.handleRequest(req, res);
    else res.writeHead(404).end();
  });
  server.on('upgrade', (req, socket, head) => gateway.handleUpgrade(req, socket, head));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    address: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    gateway,
    async close() {
      await gateway.close();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
