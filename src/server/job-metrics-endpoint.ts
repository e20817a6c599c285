// GET /metrics/jobs/NAME/VERSION: a job's own /metrics for a Prometheus scrape. Prometheus can send a token only as
// `Authorization: Bearer`, which /pub leaves to the job; this path takes it and asks the gateway on loopback for
// /pub/job/NAME/VERSION/metrics with it as X-Racetrack-Auth, so the call is authorised, resolved, proxied and
// counted as any other (call_job needed; the gateway never passes the token on to the job). The answer is streamed.
import { request, type IncomingMessage, type ServerResponse } from 'node:http';
import { requestToken } from '../api/request-token.js';
import { sendJson } from '../core/send-json.js';

/** a job name or a version spec (`1.2.3`, `latest`, `1.x`): one path segment of /pub, nothing else */
const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9_.+-]{0,127}$/;
const PREFIX = '/metrics/jobs/';

export function isJobMetricsPath(pathname: string): boolean {
  return pathname.startsWith(PREFIX);
}

export function answerJobMetrics(req: IncomingMessage, res: ServerResponse, pathname: string, pubUrl: string): void {
  const [name, version, ...rest] = pathname.slice(PREFIX.length).split('/');
  if (!name || !SEGMENT.test(name)) return sendJson(res, 400, { error: 'path: /metrics/jobs/NAME/VERSION needs a job name' });
  if (!version || !SEGMENT.test(version) || rest.length) return sendJson(res, 400, { error: 'path: /metrics/jobs/NAME/VERSION needs a version, `latest` or an x-pattern' });
  if (req.method !== 'GET') return sendJson(res, 405, { error: `method: ${req.method} is not allowed; use GET` }, { allow: 'GET' });
  const token = requestToken(req);
  const upstream = request(`${pubUrl}/job/${name}/${version}/metrics`, { headers: token ? { 'x-racetrack-auth': token } : {} }, (answer) => {
    res.writeHead(answer.statusCode ?? 502, { 'content-type': answer.headers['content-type'] ?? 'text/plain' });
    answer.pipe(res);
  });
  upstream.on('error', () => {
    if (!res.headersSent) sendJson(res, 502, { error: `the gateway did not answer for ${name} ${version}` });
    else res.destroy();
  });
  res.on('close', () => upstream.destroy());
  upstream.end();
}
