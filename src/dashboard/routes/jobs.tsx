// Jobs, one job, its logs (a plain tail, and live over server-sent events), deployments.
import { closeSync, openSync, readSync, fstatSync } from 'node:fs';
import { Router } from 'express';
import { JobNotFoundError } from '../../core/errors.js';
import { parseJobName } from '../../manifest/index.js';
import type { Deployment } from '../../db/index.js';
import { pageOf, requireSubject, sendPage, type DashboardDeps } from '../context.js';
import { JobsPage } from '../views/jobs.js';
import { JobPage } from '../views/job.js';
import { DeploymentPage, DeploymentsPage } from '../views/deployments.js';

const TAIL_LINES = 200;
/** the job page shows the end of a build log; `ssh rt jobs build-logs` has all of it */
const BUILD_LOG_BYTES = 64 * 1024;

export function jobsRoutes({ services, calls }: DashboardDeps): Router {
  const { jobs, deploys, secrets, auth } = services;
  const r = Router();

  r.get('/jobs', (req, res) => {
    const subject = requireSubject(res);
    const views = jobs.list({ all: true, readableBy: subject }).map((v) => jobs.view(v));
    return sendPage(res, <JobsPage page={pageOf(req, res)} jobs={views} now={Date.now()} />);
  });

  r.get('/jobs/:name', (req, res) => {
    const subject = requireSubject(res);
    const name = parseJobName(req.params.name);
    auth.require(subject, 'read_job', name);
    // one query per table: the versions, the deployments, the secrets
    const versions = jobs.versionsOf(name);
    const wanted = typeof req.query.version === 'string' ? req.query.version : undefined;
    const chosenVersion = wanted === undefined ? versions[0]?.version : versions.some((v) => v.version === wanted) ? wanted : jobs.latestVersion(name);
    const chosen = versions.find((v) => v.version === chosenVersion);
    if (!chosen) throw new JobNotFoundError(name, versions.length ? wanted : undefined);
    const deployments = deploys.list(subject, name);
    const built = deployments.find((d) => d.id === chosen.deploymentId);
    return sendPage(res, <JobPage page={pageOf(req, res)} d={{
      name,
      versions: versions.map((v) => jobs.view(v)),
      chosen: jobs.view(chosen),
      deployments,
      secrets: secrets.list(subject, name),
      buildLog: built ? tailOfFile(built) : '(older than the deployments shown: see ssh rt jobs build-logs)',
      calls: calls.series(name),
      now: Date.now(),
    }} />);
  });

  r.get('/jobs/:name/:version/logs', async (req, res) => {
    const subject = requireSubject(res);
    const lines: string[] = [];
    for await (const line of jobs.logs(subject, parseJobName(req.params.name), req.params.version, { tail: TAIL_LINES })) lines.push(line);
    res.type('text/plain; charset=utf-8').send(lines.length ? `${lines.join('\n')}\n` : '');
  });

  // the live tail: server-sent events, one `data:` line per log line, until the browser leaves the page
  r.get('/jobs/:name/:version/logs/stream', async (req, res) => {
    const subject = requireSubject(res);
    const abort = new AbortController();
    const lines = jobs.logs(subject, parseJobName(req.params.name), req.params.version, { tail: TAIL_LINES, follow: true, signal: abort.signal });
    res.on('close', () => abort.abort());
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'x-accel-buffering': 'no' });
    res.write(': following\n\n');
    try {
      for await (const line of lines) res.write(`data: ${line.replace(/\r\n|\r|\n/g, '\ndata: ')}\n\n`);
    } catch (e) {
      if (!abort.signal.aborted) res.write(`event: failed\ndata: ${(e as Error).message}\n\n`);
    }
    res.end();
  });

  r.get('/deployments', (req, res) => {
    const subject = requireSubject(res);
    return sendPage(res, <DeploymentsPage page={pageOf(req, res)} deployments={deploys.list(subject)} />);
  });

  r.get('/deployments/:id', (req, res) => {
    const { deployment, log } = deploys.show(requireSubject(res), req.params.id);
    return sendPage(res, <DeploymentPage page={pageOf(req, res)} deployment={deployment} log={log} />);
  });
  return r;
}

/** The last BUILD_LOG_BYTES of a deployment's log ('' when it has none). */
function tailOfFile(d: Deployment): string {
  let fd: number;
  try {
    fd = openSync(d.logPath, 'r');
  } catch {
    return '';
  }
  try {
    const size = fstatSync(fd).size;
    const start = Math.max(0, size - BUILD_LOG_BYTES);
    const buf = Buffer.alloc(size - start);
    readSync(fd, buf, 0, buf.length, start);
    return (start > 0 ? '…\n' : '') + buf.toString('utf8');
  } finally {
    closeSync(fd);
  }
}
