// One pass over a client's raw headers: picks out what the gateway reads (token, pin, tracing id,
// body framing…) and keeps the end-to-end rest for the job.
import { HOP_BY_HOP } from './hop-by-hop.js';

export interface ScannedRequest {
  /** End-to-end headers for the job, flat `[name, value, …]`, without the ones the gateway sets itself. */
  forward: string[];
  /** From the X-Racetrack-Auth header, else the X-Racetrack-Auth cookie. */
  token?: string;
  /** X-Racetrack-Version: pins the version a `latest` call gets. */
  versionPin?: string;
  tracingId?: string;
  forwardedFor?: string;
  host?: string;
  /** The Upgrade header (kept apart: hop-by-hop, but needed to proxy a WebSocket handshake). */
  upgrade?: string;
  /**
   * How the request body is delimited, as Node's parser read it (it refuses both framings at once,
   * duplicates and a Transfer-Encoding that does not end in chunked). The job gets the same body with
   * framing the gateway writes itself. https://www.rfc-editor.org/rfc/rfc9112#section-6.3
   */
  framing: RequestFraming;
}

export type RequestFraming =
  | { kind: 'none' }
  | { kind: 'length'; length: number }
  | { kind: 'chunked' }
  /** A transfer coding besides chunked (`gzip, chunked`): the gateway cannot pass it on. */
  | { kind: 'unsupported'; coding: string };

const NO_BODY: RequestFraming = { kind: 'none' };

const enum Kind { Token, Pin, Tracing, ForwardedFor, Host, Cookie, Connection, Upgrade, ContentLength, TransferEncoding, Drop }

const KINDS = new Map<string, Kind>([
  ['x-racetrack-auth', Kind.Token],
  ['x-racetrack-version', Kind.Pin],
  ['x-request-tracing-id', Kind.Tracing],
  ['x-forwarded-for', Kind.ForwardedFor],
  ['host', Kind.Host],
  ['cookie', Kind.Cookie],
  ['connection', Kind.Connection],
  ['upgrade', Kind.Upgrade],
  ['content-length', Kind.ContentLength],
  ['transfer-encoding', Kind.TransferEncoding],
  // set by the gateway from what it knows, never trusted from the client
  ['x-caller-name', Kind.Drop],
  ['x-forwarded-host', Kind.Drop],
  ['x-forwarded-proto', Kind.Drop],
  ['x-forwarded-prefix', Kind.Drop],
  // Node answers `Expect: 100-continue` itself; the job gets the body either way
  ['expect', Kind.Drop],
  ...[...HOP_BY_HOP].filter((h) => h !== 'connection' && h !== 'upgrade' && h !== 'transfer-encoding').map((h): [string, Kind] => [h, Kind.Drop]),
]);

const AUTH_COOKIE = 'x-racetrack-auth';

/** `raw` is Node's `req.rawHeaders`. */
export function scanRequestHeaders(raw: readonly string[]): ScannedRequest {
  const out: ScannedRequest = { forward: [], framing: NO_BODY };
  let connection: string | undefined;
  let contentLength: string | undefined;
  let transferEncoding: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    const value = raw[i + 1]!;
    const kind = KINDS.get(name.toLowerCase());
    if (kind === undefined) {
      out.forward.push(name, value);
      continue;
    }
    switch (kind) {
      case Kind.Token: out.token = value; break;
      case Kind.Pin: out.versionPin = value; out.forward.push(name, value); break;
      case Kind.Tracing: out.tracingId = value; break;
      case Kind.ForwardedFor: out.forwardedFor = out.forwardedFor ? `${out.forwardedFor}, ${value}` : value; break;
      case Kind.Host: out.host = value; break;
      case Kind.Cookie: scanCookie(out, name, value); break;
      case Kind.Connection: connection = connection ? `${connection},${value}` : value; break;
      case Kind.Upgrade: out.upgrade = value; break;
      // Framing is never forwarded as received: the gateway writes its own from what Node parsed.
      case Kind.ContentLength: contentLength = value; break;
      case Kind.TransferEncoding: transferEncoding = transferEncoding ? `${transferEncoding}, ${value}` : value; break;
      case Kind.Drop: break;
    }
  }
  if (transferEncoding !== undefined) {
    const coding = transferEncoding.trim();
    out.framing = coding.toLowerCase() === 'chunked' ? { kind: 'chunked' } : { kind: 'unsupported', coding };
  } else if (contentLength !== undefined && contentLength !== '0') {
    out.framing = { kind: 'length', length: Number(contentLength) };
  }
  // Only end-to-end headers are in `forward`: naming framing, Host or the token in Connection changes nothing.
  if (connection) dropConnectionOptions(out.forward, connection);
  return out;
}

/** Takes the auth cookie out (the job never sees a caller's token) and forwards the other cookies. */
function scanCookie(out: ScannedRequest, name: string, value: string): void {
  if (!value.toLowerCase().includes(AUTH_COOKIE)) {
    out.forward.push(name, value);
    return;
  }
  const kept: string[] = [];
  for (const pair of value.split(';')) {
    const eq = pair.indexOf('=');
    if (eq > 0 && pair.slice(0, eq).trim().toLowerCase() === AUTH_COOKIE) {
      out.token ??= pair.slice(eq + 1).trim();
    } else if (pair.trim()) {
      kept.push(pair.trim());
    }
  }
  if (kept.length) out.forward.push(name, kept.join('; '));
}

/** Headers named in Connection are hop-by-hop too. https://www.rfc-editor.org/rfc/rfc7230#section-6.1 */
function dropConnectionOptions(forward: string[], connection: string): void {
  const named = new Set(connection.split(',').map((t) => t.trim().toLowerCase()).filter((t) => t && t !== 'close' && t !== 'keep-alive' && t !== 'upgrade'));
  if (named.size === 0) return;
  for (let i = forward.length - 2; i >= 0; i -= 2) {
    if (named.has(forward[i]!.toLowerCase())) forward.splice(i, 2);
  }
}
