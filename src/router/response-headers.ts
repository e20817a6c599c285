// Turns a job's raw response headers into the client's: hop-by-hop ones dropped, Location made
// public, X-Request-Tracing-Id echoed, the platform's own cookies never set by a job.
import { setsPlatformCookie } from '../core/platform-cookies.js';
import { HOP_BY_HOP } from './hop-by-hop.js';

/**
 * `raw` is undici's `[name, value, …]` as received; the result is flat strings for `res.writeHead`.
 * `origin` is `http://HOST:PORT` of the replica that answered, `root` where the job's own `/` is publicly
 * (RouteState.jobRoot). A 101 keeps Connection and Upgrade
 * (`switching`): they are the answer itself.
 */
export function responseHeaders(raw: readonly Buffer[], origin: string, root: string, tracingId: string, switching = false): string[] {
  const out: string[] = [];
  let connection: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toString('latin1');
    const lower = name.toLowerCase();
    const value = raw[i + 1]!.toString('latin1');
    if (switching && (lower === 'connection' || lower === 'upgrade')) out.push(name, value);
    else if (lower === 'connection') connection = connection ? `${connection}, ${value}` : value;
    else if (HOP_BY_HOP.has(lower) || lower === 'x-request-tracing-id') continue;
    else if (lower === 'location') out.push(name, publicLocation(value, origin, root));
    // the job shares the platform's origin: it may not set the platform's own cookies (a session, CSRF binding)
    else if (lower === 'set-cookie' && setsPlatformCookie(value)) continue;
    else out.push(name, value);
  }
  // `Connection: keep-alive` (the usual case) names nothing else to drop.
  if (connection && connection !== 'keep-alive' && connection !== 'close') dropNamed(out, connection);
  out.push('x-request-tracing-id', tracingId);
  return out;
}

/**
 * A redirect to the replica's own address, or to a root-relative path the job wrote as if it were
 * served at `/`, becomes the public path under `root` (like nginx's `proxy_redirect default`).
 * Anything else (other hosts, paths already under /pub/) is left alone.
 */
function publicLocation(location: string, origin: string, root: string): string {
  let path = location;
  if (location.startsWith(origin)) {
    const next = location.charCodeAt(origin.length);
    // the origin must end there: http://127.0.0.1:80 is no prefix of http://127.0.0.1:8080
    if (!(Number.isNaN(next) || next === 0x2f /* / */ || next === 0x3f /* ? */ || next === 0x23 /* # */)) return location;
    path = location.slice(origin.length) || '/';
    if (path.charCodeAt(0) !== 0x2f) path = `/${path}`;
  } else if (location.charCodeAt(0) !== 0x2f || location.charCodeAt(1) === 0x2f /* //host is another host */) {
    return location;
  }
  return path.startsWith('/pub/') ? path : root + path;
}

/** https://www.rfc-editor.org/rfc/rfc9110#section-7.6.1 */
function dropNamed(headers: string[], connection: string): void {
  const named = new Set(connection.split(',').map((t) => t.trim().toLowerCase()));
  for (let i = headers.length - 2; i >= 0; i -= 2) {
    if (named.has(headers[i]!.toLowerCase())) headers.splice(i, 2);
  }
}
