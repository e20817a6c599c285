// deploy/observability/ against the real tools: Debian's promtool checks the scrape config and lints /metrics, a real
// Prometheus scrapes a running server and a python3 job through the gateway with an ESC's token, and every query of
// the Grafana dashboard is run by that Prometheus and names only metrics the server and the wrappers expose.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { freePort } from '../../src/deploy/free-port.js';
import { ROOT, callJob, makeJobRepo, pushSsh, run, startTestServer, tempDir, waitFor, type TestServer } from '../harness.js';

const OBSERVABILITY = join(ROOT, 'deploy', 'observability');
/** series Prometheus makes itself for each scrape target, not read from any /metrics */
const PROMETHEUS_OWN = new Set(['up', 'scrape_duration_seconds', 'scrape_samples_scraped']);
const missingTool = ['promtool', 'prometheus'].find((tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0);

interface PromSample {
  metric: Record<string, string>;
  value: [number, string];
}

describe('deploy/observability with Prometheus', { skip: missingTool && `skipped: no ${missingTool} (Debian package prometheus)` }, () => {
  let server: TestServer;
  let work: string;
  let prometheus: ChildProcess;
  let promUrl: string;
  let promLog = '';

  const query = async (expr: string): Promise<{ status: string; error?: string; data?: { result: PromSample[] } }> =>
    (await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(expr)}`)).json() as never;
  const samples = async (expr: string): Promise<PromSample[]> => {
    const r = await query(expr);
    assert.equal(r.status, 'success', `${expr}: ${r.error}`);
    return r.data!.result;
  };

  before(async () => {
    server = await startTestServer();
    const pushed = await pushSsh(server, await makeJobRepo('adder'), 'adder');
    assert.equal(pushed.code, 0, pushed.stderr);
    assert.equal((await callJob(server, '/pub/job/adder/latest/api/v1/perform', { body: { numbers: [40, 2] } })).json, 42);
    // Prometheus reads the jobs with a token of its own: an ESC that may call every job and do nothing else
    for (const command of ['esc create prometheus', 'grant esc:prometheus * call_job']) {
      const r = await server.ssh(command);
      assert.equal(r.code, 0, `${command}: ${r.stderr}`);
    }
    const escToken = (await server.ssh('esc token prometheus')).stdout.trim().split('\n').pop()!;

    // the shipped files, with the test server's address and a 1 s scrape interval
    work = tempDir('rt-prometheus-');
    cpSync(OBSERVABILITY, join(work, 'config'), { recursive: true });
    const address = new URL(server.httpUrl).host;
    const configPath = join(work, 'config', 'prometheus.yml');
    const config = parse(readFileSync(configPath, 'utf8'));
    config.global.scrape_interval = '1s';
    config.scrape_configs[0].static_configs[0].targets = [address];
    writeFileSync(configPath, stringify(config));
    const jobsPath = join(work, 'config', 'racetrack-jobs.yml');
    writeFileSync(jobsPath, readFileSync(jobsPath, 'utf8').replaceAll('127.0.0.1:7002', address));
    writeFileSync(join(work, 'config', 'racetrack-token'), `${escToken}\n`, { mode: 0o600 });

    const port = await freePort();
    promUrl = `http://127.0.0.1:${port}`;
    prometheus = spawn('prometheus', [
      `--config.file=${configPath}`, `--storage.tsdb.path=${join(work, 'tsdb')}`, `--web.listen-address=127.0.0.1:${port}`,
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    prometheus.stdout!.on('data', (b: Buffer) => (promLog += b.toString()));
    prometheus.stderr!.on('data', (b: Buffer) => (promLog += b.toString()));
  });

  after(async () => {
    if (prometheus && prometheus.exitCode === null) {
      const exited = new Promise((r) => prometheus.once('exit', r));
      prometheus.kill('SIGTERM');
      await exited;
    }
    await server?.cleanup();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test('promtool accepts the scrape config, and lints the server\'s /metrics clean', async () => {
    const checked = await run('promtool', ['check', 'config', join(work, 'config', 'prometheus.yml')]);
    assert.equal(checked.code, 0, checked.stdout + checked.stderr);
    const text = await (await fetch(`${server.httpUrl}/metrics`)).text();
    const linted = await run('promtool', ['check', 'metrics'], { input: text });
    assert.equal(linted.code, 0, linted.stdout + linted.stderr);
  });

  test('the push shows in the server\'s /metrics: one push, one deploy done, each phase timed, a build cache miss', async () => {
    const text = await (await fetch(`${server.httpUrl}/metrics`)).text();
    assert.match(text, /^racetrack_pushes_total 1$/m);
    assert.match(text, /^racetrack_deploys_total\{result="done"\} 1$/m);
    assert.match(text, /^racetrack_deploy_duration_seconds_count\{result="done"\} 1$/m);
    for (const phase of ['received', 'export', 'build', 'start', 'health', 'ready']) {
      assert.match(text, new RegExp(`^racetrack_deploy_phase_duration_seconds_count\\{phase="${phase}",result="done"\\} 1$`, 'm'), phase);
    }
    assert.match(text, /^racetrack_build_cache_(hits|misses)_total\{job_type="python3"\} 1$/m);
  });

  test('Prometheus scrapes the server and the job through the gateway: up == 1 for both, platform and job metrics stored', async () => {
    const up = await waitFor('both scrape targets up', async () => {
      const result = await samples('up == 1').catch(() => []);
      const jobs = new Set(result.map((s) => s.metric.job));
      return jobs.has('racetrack') && jobs.has('racetrack-jobs') ? result : undefined;
    }, 30_000).catch(async (e: Error) => {
      const targets = await (await fetch(`${promUrl}/api/v1/targets`)).text();
      return assert.fail(`${e.message}\ntargets: ${targets}\nprometheus said:\n${promLog.slice(-2000)}`);
    });
    const jobTarget = up.find((s) => s.metric.job === 'racetrack-jobs')!;
    assert.equal(jobTarget.metric.instance, new URL(server.httpUrl).host);
    assert.equal(jobTarget.metric.racetrack_job, 'adder');
    assert.equal(jobTarget.metric.racetrack_version, 'latest');

    const running = await samples('racetrack_job_versions{status="running"}');
    assert.equal(running[0]?.value[1], '1');
    const deploys = await samples('racetrack_deploys_total{result="done"}');
    assert.equal(deploys[0]?.value[1], '1');
    // the gateway's series keep the Racetrack job's name as `job` (honor_labels)
    assert.ok((await samples('racetrack_pub_requests_total{job="adder",status="200"}')).length > 0);
    const done = await samples('requests_done_total{racetrack_job="adder"}');
    assert.ok(Number(done[0]?.value[1]) >= 1, JSON.stringify(done));
  });

  test('/metrics/jobs/NAME/VERSION takes a Bearer token for the gateway: none or an unknown one is refused, paths stay inside /pub', async () => {
    const get = (path: string, token?: string) => fetch(`${server.httpUrl}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    assert.equal((await get('/metrics/jobs/adder/latest')).status, 401);
    assert.equal((await get('/metrics/jobs/adder/latest', 'rt_not_a_token')).status, 401);
    const admin = await get('/metrics/jobs/adder/latest', server.token);
    assert.equal(admin.status, 200);
    assert.match(await admin.text(), /^requests_done_total /m);
    assert.equal((await get('/metrics/jobs/nope/latest', server.token)).status, 404);
    for (const path of ['/metrics/jobs/adder', '/metrics/jobs/adder/latest/extra', '/metrics/jobs/adder/%2e%2e', '/metrics/jobs/..%2f..%2fhealth/latest']) {
      assert.equal((await get(path, server.token)).status, 400, path);
    }
  });

  test('every dashboard query runs in Prometheus and names only metrics the server and the wrappers expose', async () => {
    const dashboard = JSON.parse(readFileSync(join(OBSERVABILITY, 'grafana-dashboard.json'), 'utf8')) as { panels: { targets?: { expr: string }[] }[] };
    const exprs = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
    assert.ok(exprs.length >= 20, `${exprs.length} queries`);
    for (const expr of exprs) {
      const r = await query(expr);
      assert.equal(r.status, 'success', `${expr}: ${r.error}`);
    }

    const serverNames = exposedNames(await (await fetch(`${server.httpUrl}/metrics`)).text());
    const wrapperNames = exposedNames((await callJob(server, '/pub/job/adder/latest/metrics')).text);
    const used = new Set(exprs.flatMap(metricNames));
    const unknown = [...used].filter((n) => !serverNames.has(n) && !wrapperNames.has(n) && !PROMETHEUS_OWN.has(n));
    assert.deepEqual(unknown, [], 'names no /metrics exposes');
    for (const name of ['racetrack_deploy_phase_duration_seconds_bucket', 'racetrack_build_cache_hits_total', 'requests_done_total']) {
      assert.ok(used.has(name), `the dashboard shows ${name}`);
    }

    // the golang and rust wrappers render the same families as the python3 one (their sources name each)
    const wrapperFamilies = [...used].filter((n) => wrapperNames.has(n)).map((n) => n.replace(/_bucket$/, ''));
    for (const source of ['src/jobtypes/golang/wrapper/metrics.go', 'src/jobtypes/rust/wrapper/src/metrics.rs']) {
      const text = readFileSync(join(ROOT, source), 'utf8');
      for (const family of wrapperFamilies) assert.ok(text.includes(`"${family}`), `${source} exposes ${family}`);
    }
  });
});

/** Every sample name a text-format page may carry: its samples, and each declared family (with a histogram's series). */
function exposedNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)/.exec(line);
    if (type) {
      const [, name, kind] = type;
      for (const suffix of kind === 'histogram' ? ['_bucket', '_sum', '_count'] : kind === 'summary' ? ['', '_sum', '_count'] : ['']) names.add(name + suffix);
    } else if (line && !line.startsWith('#')) {
      names.add(/^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)![0]);
    }
  }
  return names;
}

const PROMQL_WORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'and', 'or', 'unless', 'offset', 'inf', 'nan']);

/**
 * The metric names a PromQL expression selects: identifiers left once strings, label matchers, range durations and
 * label lists are removed, that are neither functions, aggregations (followed by `(`) nor keywords. For the
 * dashboard's own queries; Prometheus itself has parsed each one above.
 */
function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  return [...bare.matchAll(/(?<![\w:.])[a-zA-Z_:][\w:]*(?![\w:]|\s*\()/g)].map((m) => m[0])
    .filter((name) => !PROMQL_WORDS.has(name.toLowerCase()));
}
