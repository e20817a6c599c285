// The gateway answers a static site's paths (a built hugo job on local) from its folder: no process behind it.
// Which file a path names is ours to decide (locateStaticFile: confined to the folder); how it is sent — content type,
// ETag, Last-Modified, conditional and range requests, HEAD — is the `send` library's, the one Express serves files with.
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import send from 'send';
import { locateStaticFile } from './locate-static-file.js';
import type { RoutedCall } from './route-call.js';
import { sendJson } from './send-json.js';

export async function serveStaticSite(req: IncomingMessage, res: ServerResponse, call: RoutedCall, started: number): Promise<void> {
  const { state, tracingId } = call;
  res.once('finish', () => state.metrics.observe(res.statusCode, (performance.now() - started) / 1000));
  const q = call.rest.indexOf('?');
  const relPath = (q < 0 ? call.rest : call.rest.slice(0, q)) || '/';
  const root = call.staticRoot!;
  const located = await locateStaticFile(root, relPath);
  const error = (status: number, message: string) =>
    sendJson(res, status, { error: message, job_name: state.route.name, job_version: state.route.version, request_id: tracingId }, ['x-request-tracing-id', tracingId]);
  switch (located.kind) {
    case 'bad':
      return error(400, located.error);
    case 'folder-without-slash':
      res.writeHead(301, ['location', `${state.prefix}${relPath}/${q < 0 ? '' : call.rest.slice(q)}`, 'content-length', '0', 'x-request-tracing-id', tracingId]);
      return void res.end();
    case 'missing':
      return notFound(req, res, root, tracingId, () => error(404, `no such file in the site of job "${state.route.name}": ${relPath}`));
    case 'file': {
      const path = `/${located.path.split('/').map(encodeURIComponent).join('/')}`;
      send(req, path, { root: located.root, dotfiles: 'allow', index: false })
        .on('headers', (r: ServerResponse) => {
          r.setHeader('x-request-tracing-id', tracingId);
          r.setHeader('x-content-type-options', 'nosniff');
        })
        .on('error', (e: { status?: number }) => {
          if (res.headersSent) return void res.destroy();
          error(e.status === 404 ? 404 : 500, e.status === 404 ? `no such file in the site of job "${state.route.name}": ${relPath}` : 'could not read the file');
        })
        .pipe(res);
    }
  }
}

/** The site's own 404.html (Hugo makes one) with status 404, else `fallback`. */
async function notFound(req: IncomingMessage, res: ServerResponse, root: string, tracingId: string, fallback: () => void): Promise<void> {
  const page = await locateStaticFile(root, '/404.html');
  const body = page.kind === 'file' ? await readFile(`${page.root}/${page.path}`).catch(() => undefined) : undefined;
  if (!body) return fallback();
  res.writeHead(404, ['content-type', 'text/html; charset=utf-8', 'content-length', String(body.length), 'x-request-tracing-id', tracingId, 'x-content-type-options', 'nosniff']);
  res.end(req.method === 'HEAD' ? undefined : body);
}
