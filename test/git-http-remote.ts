// An external git server for tests: the real `git http-backend` (git's own CGI program) behind a small HTTP
// server with Basic auth on chosen paths, and redirects on others. It records which requests carried credentials.
import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface GitHttpRemote {
  url: string;
  /** every request: path and whether it carried an Authorization header */
  requests: { path: string; authorized: boolean }[];
  close(): Promise<void>;
}

export interface GitHttpRemoteOptions {
  /** folder holding bare repositories */
  root: string;
  /** paths below this prefix need these credentials */
  privatePrefix?: string;
  credentials?: { username: string; password: string };
  /** path prefix → URL prefix it redirects to (302) */
  redirects?: Record<string, string>;
}

export async function startGitHttpRemote(opts: GitHttpRemoteOptions): Promise<GitHttpRemote> {
  const requests: GitHttpRemote['requests'] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    requests.push({ path: url.pathname, authorized: req.headers.authorization !== undefined });
    for (const [from, to] of Object.entries(opts.redirects ?? {})) {
      if (url.pathname.startsWith(from)) return void res.writeHead(302, { location: `${to}${url.pathname.slice(from.length)}${url.search}` }).end();
    }
    if (opts.privatePrefix && url.pathname.startsWith(opts.privatePrefix) && !authorized(req, opts.credentials)) {
      return void res.writeHead(401, { 'www-authenticate': 'Basic realm="test"' }).end('authentication required\n');
    }
    serveCgi(req, res, url, opts.root);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function authorized(req: IncomingMessage, credentials: GitHttpRemoteOptions['credentials']): boolean {
  const h = req.headers.authorization;
  if (!credentials || !h?.startsWith('Basic ')) return false;
  return Buffer.from(h.slice(6), 'base64').toString() === `${credentials.username}:${credentials.password}`;
}

function serveCgi(req: IncomingMessage, res: ServerResponse, url: URL, root: string): void {
  const cgi = spawn('git', ['http-backend'], {
    env: {
      PATH: process.env.PATH,
      GIT_PROJECT_ROOT: root,
      GIT_HTTP_EXPORT_ALL: '1',
      PATH_INFO: decodeURIComponent(url.pathname.replace(/^\/(public|private)/, '')),
      REQUEST_METHOD: req.method,
      QUERY_STRING: url.search.slice(1),
      CONTENT_TYPE: req.headers['content-type'] ?? '',
      ...(req.headers['content-length'] ? { CONTENT_LENGTH: req.headers['content-length'] } : {}),
      ...(req.headers['content-encoding'] ? { HTTP_CONTENT_ENCODING: req.headers['content-encoding'] } : {}),
      ...(req.headers['git-protocol'] ? { GIT_PROTOCOL: String(req.headers['git-protocol']) } : {}),
      REMOTE_ADDR: '127.0.0.1',
    },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  req.pipe(cgi.stdin);
  let head = Buffer.alloc(0);
  let headDone = false;
  cgi.stdout.on('data', (chunk: Buffer) => {
    if (headDone) return void res.write(chunk);
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf('\r\n\r\n');
    if (end < 0) return;
    headDone = true;
    let status = 200;
    const headers: Record<string, string> = {};
    for (const line of head.subarray(0, end).toString().split('\r\n')) {
      const i = line.indexOf(':');
      const name = line.slice(0, i).trim().toLowerCase();
      const value = line.slice(i + 1).trim();
      if (name === 'status') status = Number(value.split(' ')[0]);
      else headers[name] = value;
    }
    res.writeHead(status, headers);
    res.write(head.subarray(end + 4));
  });
  cgi.on('close', () => res.end());
}
