// Tunnels an upgrade (WebSocket) handshake to a job replica: the request head is re-written for the
// job, then bytes flow both ways untouched, the job's 101 (or refusal) included.
// https://www.rfc-editor.org/rfc/rfc7230#section-6.7 · https://www.rfc-editor.org/rfc/rfc6455#section-4.1
import type { IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import type { Duplex } from 'node:stream';
import { logger } from '../core/log.js';
import type { RoutedCall } from './route-call.js';
import { sendRawJson } from './send-raw-json.js';
import { pickUpstream, type Upstream, type UpstreamPools } from './upstream-pools.js';

const log = logger('rt:router');

export function proxyUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, call: RoutedCall, upgrade: string, pools: UpstreamPools): void {
  const started = performance.now();
  const { state } = call;
  const upstreams = state.upstreams;
  let cursor = state.next++ % upstreams.length;
  let remaining = upstreams.length;
  socket.on('error', () => socket.destroy());

  const attempt = (): void => {
    const skip = pickUpstream(upstreams, cursor, remaining);
    const index = (cursor + skip) % upstreams.length;
    cursor = index + 1;
    remaining -= skip + 1;
    const upstream = upstreams[index]!;
    const conn = connect({ host: upstream.pool.host, port: upstream.pool.port, noDelay: true });
    const dropBoth = (): void => {
      conn.destroy();
      socket.destroy();
    };
    let connected = false;
    socket.once('close', dropBoth);
    conn.on('error', (err: NodeJS.ErrnoException) => {
      if (connected) return socket.destroy();
      // Nothing was written yet: another replica may take the handshake.
      socket.off('close', dropBoth);
      failed(upstream, err);
    });
    conn.once('connect', () => {
      connected = true;
      conn.write(requestHead(req, call, upgrade, upstream.address));
      if (head.length) conn.write(head);
      conn.once('data', (chunk: Buffer) => state.metrics.observe(Number(chunk.toString('latin1', 9, 12)) || 502, (performance.now() - started) / 1000));
      conn.pipe(socket).pipe(conn);
      conn.once('close', () => socket.destroy());
    });
  };

  const failed = (upstream: Upstream, err: NodeJS.ErrnoException): void => {
    state.metrics.proxyError(err.code ?? err.name);
    if (socket.destroyed) return;
    pools.markDown(upstream);
    if (remaining > 0) return attempt();
    log.warn({ job: state.route.name, version: state.route.version, upstream: upstream.address, code: err.code }, 'job unreachable for upgrade');
    state.metrics.observe(502, (performance.now() - started) / 1000);
    sendRawJson(socket, 502, {
      error: `job "${state.route.name}" version "${state.route.version}" is unreachable: ${err.code ?? err.message}`,
      job_name: state.route.name,
      job_version: state.route.version,
      request_id: call.tracingId,
    }, ['x-request-tracing-id', call.tracingId]);
  };

  attempt();
}

/** The handshake as the job sees it: its full path, forwarded headers, and the hop-by-hop pair an upgrade needs. */
function requestHead(req: IncomingMessage, call: RoutedCall, upgrade: string, address: string): string {
  let head = `${req.method} ${call.path} HTTP/1.1\r\nhost: ${address}\r\nconnection: Upgrade\r\nupgrade: ${upgrade}\r\n`;
  const h = call.headers;
  for (let i = 0; i < h.length; i += 2) head += `${h[i]}: ${h[i + 1]}\r\n`;
  return `${head}\r\n`;
}
