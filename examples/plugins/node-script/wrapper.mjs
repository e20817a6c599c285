// The node-script wrapper: Racetrack's wrapper contract for a module exporting perform(input), on node:http alone.
// Every route answers at / and under /pub/job/NAME/VERSION; /live, /ready, /health, /metrics, POST /api/v1/perform.
import { createServer } from 'node:http';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { 'listen-fd': { type: 'string' }, port: { type: 'string' }, entrypoint: { type: 'string', default: 'perform.mjs' } } });
const MAX_BODY = 1024 * 1024;
const started = Math.floor(Date.now() / 1000);
const counts = { perform: 0, errors: 0 };

const job = await import(pathToFileURL(resolve(values.entrypoint)).href);
if (typeof job.perform !== 'function') throw new Error(`${values.entrypoint} must export a function perform(input)`);

const send = (res, status, body, type = 'application/json') => {
  res.writeHead(status, { 'content-type': type });
  res.end(type === 'application/json' ? JSON.stringify(body) : body);
};

/** The path without the /pub/job/NAME/VERSION prefix the gateway forwards. */
function localPath(url) {
  const path = new URL(url, 'http://job').pathname;
  const m = /^\/pub\/job\/[^/]+\/[^/]+(\/.*)?$/.exec(path);
  return m ? m[1] ?? '/' : path;
}

async function readJson(req) {
  let size = 0;
  const chunks = [];
  for await (const chunk of req) {
    size += chunk.length;
    if (size > MAX_BODY) throw Object.assign(new Error(`body larger than ${MAX_BODY} bytes`), { status: 413 });
    chunks.push(chunk);
  }
  try {
    const input = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
    if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new TypeError('the payload must be a JSON object');
    return input;
  } catch (e) {
    throw Object.assign(new Error(`bad JSON payload: ${e.message}`), { status: 400, type: 'ValueError' });
  }
}

const server = createServer(async (req, res) => {
  const path = localPath(req.url ?? '/');
  const get = req.method === 'GET' || req.method === 'HEAD';
  if (get && path === '/live') return send(res, 200, { live: true, deployment_timestamp: started });
  if (get && path === '/ready') return send(res, 200, { ready: true });
  if (get && path === '/health') {
    return send(res, 200, {
      job_name: process.env.JOB_NAME, job_version: process.env.JOB_VERSION, git_version: process.env.GIT_VERSION,
      status: 'pass', live: true, ready: true,
    });
  }
  if (get && path === '/metrics') {
    return send(res, 200, `# TYPE perform_requests_total counter\nperform_requests_total ${counts.perform}\n# TYPE perform_errors_total counter\nperform_errors_total ${counts.errors}\n`, 'text/plain; version=0.0.4');
  }
  if (path === '/api/v1/perform') {
    if (req.method !== 'POST') return send(res, 405, { error: 'use POST', type: 'MethodNotAllowed' });
    counts.perform += 1;
    try {
      return send(res, 200, (await job.perform(await readJson(req))) ?? null);
    } catch (e) {
      counts.errors += 1;
      const status = e.status ?? (e instanceof TypeError || e instanceof RangeError ? 400 : 500);
      return send(res, status, { error: String(e.message), type: e.type ?? e.name ?? 'Error' });
    }
  }
  send(res, 404, { error: `no route ${path}`, type: 'NotFound' });
});

// a process target hands the listening socket over as a file descriptor; --port is for running it by hand
server.listen(values['listen-fd'] !== undefined ? { fd: Number(values['listen-fd']) } : { port: Number(values.port ?? 7000), host: '127.0.0.1' }, () => {
  console.error(`node-script wrapper: serving ${values.entrypoint}`);
});
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => server.close(() => process.exit(0)));
