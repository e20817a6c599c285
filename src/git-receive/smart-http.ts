// Git smart HTTP for /git/NAME.git, token as the Basic auth password.
// https://git-scm.com/docs/http-protocol
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createGunzip } from 'node:zlib';
import type { AuthThrottle } from '../auth/index.js';
import { RtError, TooManyRequestsError } from '../core/errors.js';
import type { GitService } from './git-service.js';
import { gitProtocol, speaksV2 } from './git-protocol.js';
import { openGitSession, type GitSessionDeps } from './git-session.js';
import { Repos } from './repos.js';

const ROUTE = /^\/git\/([^/]+)\/(info\/refs|git-upload-pack|git-receive-pack)$/;

export interface SmartHttpDeps extends GitSessionDeps {
  throttle: AuthThrottle;
}

/** Handles the request when it is a git one; returns false otherwise. */
export function handleSmartHttp(req: IncomingMessage, res: ServerResponse, url: URL, deps: SmartHttpDeps): boolean {
  const m = ROUTE.exec(url.pathname);
  if (!m) return false;
  void serve(req, res, url, m[1]!, m[2]!, deps).catch((e: unknown) => {
    const err = e instanceof RtError ? e : new RtError((e as Error).message);
    if (res.headersSent) return void res.destroy();
    const headers: Record<string, string> = { 'content-type': 'text/plain; charset=utf-8' };
    if (err.httpStatus === 401) headers['www-authenticate'] = 'Basic realm="racetrack", charset="UTF-8"';
    if (err instanceof TooManyRequestsError) headers['retry-after'] = String(err.retryAfterSeconds);
    res.writeHead(err.httpStatus, headers).end(`${err.message}\n`);
  });
  return true;
}

async function serve(req: IncomingMessage, res: ServerResponse, url: URL, rawName: string, action: string, deps: SmartHttpDeps): Promise<void> {
  const name = Repos.jobNameFromPath(rawName, true);
  const service = (action === 'info/refs' ? url.searchParams.get('service') : action) as GitService;
  if (service !== 'git-upload-pack' && service !== 'git-receive-pack') {
    throw new RtError('only smart HTTP is served: use git 1.6.6 or newer', { httpStatus: 403 });
  }
  if ((action === 'info/refs') !== (req.method === 'GET')) throw new RtError(`${req.method} not allowed here`, { httpStatus: 405 });
  // git first asks without credentials; only a token given counts against the address's budget of failures
  const token = basicPassword(req);
  const subject = token === undefined ? deps.auth.requireToken(undefined)
    : deps.throttle.attempt(req.socket.remoteAddress ?? '?', 'git over http', () => deps.auth.requireToken(token));
  const advertise = action === 'info/refs';
  const protocol = gitProtocol(req.headers['git-protocol']);
  const { git, ended } = await openGitSession(deps, subject, service, name, { statelessRpc: true, advertiseRefs: advertise, protocol });

  res.setHeader('cache-control', 'no-cache, max-age=0, must-revalidate');
  if (advertise) {
    res.writeHead(200, { 'content-type': `application/x-${service}-advertisement` });
    // as git http-backend does: a v2 advertisement starts with its own version line
    if (!speaksV2(protocol)) res.write(pktLine(`# service=${service}\n`) + '0000');
  } else {
    res.writeHead(200, { 'content-type': `application/x-${service}-result` });
    const body = req.headers['content-encoding'] === 'gzip' ? req.pipe(createGunzip()) : req;
    // a broken body (bad gzip, client gone) ends git; its exit ends the answer
    body.on('error', () => git.kill());
    body.pipe(git.stdin!);
  }
  git.stdout!.pipe(res);
  git.stderr!.resume();
  res.on('close', () => {
    if (git.exitCode === null) git.kill();
  });
  await ended;
}

function basicPassword(req: IncomingMessage): string | undefined {
  const h = req.headers.authorization;
  if (!h?.startsWith('Basic ')) return undefined;
  const decoded = Buffer.from(h.slice(6), 'base64').toString();
  const i = decoded.indexOf(':');
  return i >= 0 ? decoded.slice(i + 1) : undefined;
}

function pktLine(s: string): string {
  return (Buffer.byteLength(s) + 4).toString(16).padStart(4, '0') + s;
}
