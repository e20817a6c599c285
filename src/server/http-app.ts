// The one HTTP listener: /health, /metrics (and /metrics/jobs/NAME/VERSION), /pub (the gateway), /git (smart HTTP), /lifecycle (an express app),
// /dashboard (an express app); everything else 404.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { sendJson } from '../core/send-json.js';
import type { Duplex } from 'node:stream';
import { handleSmartHttp, type SmartHttpDeps } from '../git-receive/index.js';
import type { Gateway } from '../router/index.js';
import { logger } from '../core/log.js';
import { limitConnections, type ConnectionLimits } from '../core/limit-connections.js';
import { watchRequestBody, type BodyLimits } from './watch-request-body.js';
import { answerJobMetrics, isJobMetricsPath } from './job-metrics-endpoint.js';

const log = logger('rt:http');

export interface HttpAppDeps {
  gateway: Gateway;
  git: SmartHttpDeps;
  /** the /lifecycle/api/v1 API (express) */
  lifecycle: (req: IncomingMessage, res: ServerResponse) => void;
  /** the dashboard (express), for /dashboard and below */
  dashboard: (req: IncomingMessage, res: ServerResponse) => void;
  health: () => Record<string, unknown>;
  metrics: () => string;
  /** the gateway's /pub on loopback, for /metrics/jobs/NAME/VERSION */
  pubUrl: () => string;
  limits: { headTimeoutMs: number; body: BodyLimits; connections: ConnectionLimits };
}

export function createHttpApp(deps: HttpAppDeps): Server {
  const { limits } = deps;
  const silent = silentConnections(limits.headTimeoutMs);
  // The head has a deadline (checked every connectionsCheckingInterval, 30 s by default: too coarse); a body is
  // watched for pauses and trickling instead of a total time, since a push over HTTP lasts as long as its
  // deploy and a job may take minutes to answer. Both must be given here: Node reads them at construction.
  const server = createServer({
    connectionsCheckingInterval: Math.min(1000, limits.headTimeoutMs),
    headersTimeout: limits.headTimeoutMs,
    requestTimeout: 0,
  }, (req, res) => {
    silent.answered(req.socket);
    watchRequestBody(req, limits.body);
    try {
      route(req, res, deps);
    } catch (e) {
      log.error({ err: e, url: req.url }, 'request failed');
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
      else res.destroy();
    }
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    silent.answered(socket);
    socket.on('error', () => socket.destroy());
    if (req.url?.startsWith('/pub/')) deps.gateway.handleUpgrade(req, socket, head);
    else socket.destroy();
  });
  server.on('connection', silent.connected);
  server.keepAliveTimeout = 65_000;
  limitConnections(server, limits.connections, 'http');
  return server;
}

/**
 * Node's headersTimeout counts from the first byte of a request: a connection that never sends one would
 * stay open. Its first request head must arrive within `ms` of connecting. The request handlers call
 * `answered` themselves: a second 'request' listener would cost every request (~0.5 µs, bench:gateway).
 */
function silentConnections(ms: number): { connected: (socket: Duplex) => void; answered: (socket: Duplex) => void } {
  const waiting = new WeakMap<Duplex, NodeJS.Timeout>();
  return {
    connected(socket) {
      const timer = setTimeout(() => socket.destroy(), ms);
      timer.unref();
      waiting.set(socket, timer);
      socket.once('close', () => clearTimeout(timer));
    },
    answered(socket) {
      const timer = waiting.get(socket);
      if (timer === undefined) return;
      clearTimeout(timer);
      waiting.delete(socket);
    },
  };
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
  if (isJobMetricsPath(parsed.pathname)) return answerJobMetrics(req, res, parsed.pathname, deps.pubUrl());
  if (handleSmartHttp(req, res, parsed, deps.git)) return;
  if (parsed.pathname.startsWith('/lifecycle/')) return deps.lifecycle(req, res);
  if (parsed.pathname === '/dashboard' || parsed.pathname.startsWith('/dashboard/')) return deps.dashboard(req, res);
  sendJson(res, 404, { error: `no route for ${req.method} ${parsed.pathname}` });
}

