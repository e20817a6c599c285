// The one HTTP listener: /health, /metrics, /pub (the gateway), /git (smart HTTP); everything else 404.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { handleSmartHttp, type SmartHttpDeps } from '../git-receive/index.js';
import type { Gateway } from '../router/index.js';
import { logger } from '../core/log.js';

const log = logger('rt:http');

export interface HttpAppDeps {
  gateway: Gateway;
  git: SmartHttpDeps;
  lifecycle: (req: IncomingMessage, res: ServerResponse) => void;
  health: () => Record<string, unknown>;
  metrics: () => string;
}

export function createHttpApp(deps: HttpAppDeps): Server {
  const server = createServer((req, res) => {
    try {
      route(req, res, deps);
    } catch (e) {
      log.error({ err: e, url: req.url }, 'request failed');
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
      else res.destroy();
    }
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (req.url?.startsWith('/pub/')) deps.gateway.handleUpgrade(req, socket, head);
    else socket.destroy();
  });
  server.requestTimeout = 0; // a push over HTTP lasts as long as its deploy
  server.keepAliveTimeout = 65_000;
  return server;
}

function route(req: IncomingMessage, res: ServerResponse, deps: HttpAppDeps): void {
  const url = req.url ?? '/';
  if (url.startsWith('/pub/')) return deps.gateway.handleRequest(req, res);
  let parsed: URL;
  try {
    parsed = new URL(url, 'http://racetrack');
  } catch {
    return sendJson(res, 400, { error: 'malformed request target' });
  }
  if (parsed.pathname === '/health') return sendJson(res, 200, deps.health());
  if (parsed.pathname === '/metrics') {
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
    res.end(deps.metrics());
    return;
  }
  if (handleSmartHttp(req, res, parsed, deps.git)) return;
  if (parsed.pathname.startsWith('/lifecycle/')) return deps.lifecycle(req, res);
  sendJson(res, 404, { error: `no route for ${req.method} ${parsed.pathname}` });
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}
