// Operations (CONTRACT §15) through real pushes on one server: scale without a rebuild, idle stop and wake by a call,
// retention with pinning, and rollback of a `latest` that fails soon after its promotion.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { callJob, commitAll, eventually, makeJobRepo, pushSsh, startTestServer, writeFile, type TestServer } from '../harness.js';

interface Info { deployment_id: string; name: string; version: string; status: string; replicas: number; upstreams: string[]; latest: boolean; pinned: boolean; rolled_back: string | null; idle_stop_after_ms: number }

/** a python3 job answering its own version; `crash: true` breaks it for good (it no longer imports) and kills it */
function job(name: string, version: string): Record<string, string> {
  return {
    'job.yaml': `name: ${name}\nowner_email: dev@example.com\njobtype: python3:latest\nversion: ${version}\njobtype_extra:\n  entrypoint_path: job.py\n`,
    'job.py': [
      'import os',
      'BROKEN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "broken")',
      'if os.path.exists(BROKEN):',
      '    raise RuntimeError("this version is broken")',
      'class Job:',
      '    def perform(self, crash: bool = False) -> str:',
      '        if crash:',
      '            open(BROKEN, "w").close()',
      '            os._exit(1)',
      `        return "${version}"`,
      '',
    ].join('\n'),
  };
}

describe('operations: scale, idle and wake, retention and pins, rollback', () => {
  let server: TestServer;
  const repos = new Map<string, string>();

  /** pushes NAME at VERSION (one repo per job, a new commit per version) */
  async function push(name: string, version: string): Promise<void> {
    let dir = repos.get(name);
    if (!dir) {
      dir = await makeJobRepo(job(name, version));
      repos.set(name, dir);
    } else {
      for (const [path, text] of Object.entries(job(name, version))) writeFile(dir, path, text);
      await commitAll(dir, version);
    }
    const r = await pushSsh(server, dir, name);
    assert.equal(r.code, 0, r.stderr);
  }
  async function info(name: string, version: string): Promise<Info> {
    const r = await server.ssh(`jobs info ${name} ${version} --json`);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as Info;
  }
  const perform = (name: string, version: string, body: unknown = {}, token?: string | null) =>
    callJob(server, `/pub/job/${name}/${version}/api/v1/perform`, { body, token });
  /** a counter of job JOB on /metrics */
  const metric = async (name: string, job: string) =>
    Number(new RegExp(`^${name}\\{job="${job}"\\} (\\S+)$`, 'm').exec(await (await fetch(`${server.httpUrl}/metrics`)).text())?.[1]);

  before(async () => {
    server = await startTestServer({ env: { RACETRACK_KEEP_VERSIONS: '2', RACETRACK_KEEP_DEPLOY_LOGS: '1' } });
  });
  after(async () => {
    await server.cleanup();
  });

  test('jobs scale changes replicas without a rebuild, through ssh and the API; bad counts are usage errors', async () => {
    await push('ops', '1.0.0');
    const scaled = await server.ssh('jobs scale ops 1.0.0 --replicas 3');
    assert.equal(scaled.code, 0, scaled.stderr);
    assert.match(scaled.stdout, /ops 1\.0\.0: 3 replica\(s\), running/);
    const up = await info('ops', '1.0.0');
    assert.equal(up.replicas, 3);
    assert.equal(up.upstreams.length, 3);
    for (let i = 0; i < 6; i++) assert.equal((await perform('ops', '1.0.0')).json, '1.0.0');
    const deploys = JSON.parse((await server.ssh('deploys list ops --json')).stdout) as unknown[];
    assert.equal(deploys.length, 1, 'scaling deployed nothing');

    const res = await fetch(`${server.httpUrl}/lifecycle/api/v1/job/ops/1.0.0/scale`, {
      method: 'POST', headers: { 'x-racetrack-auth': server.token, 'content-type': 'application/json' }, body: JSON.stringify({ replicas: 1 }),
    });
    assert.equal(res.status, 200);
    const down = (await res.json()) as Info;
    assert.deepEqual(down.upstreams, up.upstreams.slice(0, 1));
    for (const gone of up.upstreams.slice(1)) assert.equal(await connects(gone), false, `${gone} still serves after the scale-down`);
    assert.equal((await perform('ops', '1.0.0')).json, '1.0.0');

    for (const bad of ['--replicas 0', '--replicas 51', '--replicas two', '']) {
      const r = await server.ssh(`jobs scale ops 1.0.0 ${bad}`);
      assert.equal(r.code, 2, `${bad}: ${r.stderr}`);
      assert.match(r.stderr, /replicas/);
    }
    assert.equal((await server.ssh('jobs scale ops 9.9.9 --replicas 2')).code, 1);
  });

  test('scale, idle and pin need deploy_job on the job: another user is refused, and nothing changes', async () => {
    const add = await server.ssh('users add mallory@example.com --token');
    assert.equal(add.code, 0, add.stderr);
    const token = add.stdout.trim().split('\n').at(-1)!;
    const post = (what: string, body: unknown) => fetch(`${server.httpUrl}/lifecycle/api/v1/job/ops/1.0.0/${what}`, {
      method: 'POST', headers: { 'x-racetrack-auth': token, 'content-type': 'application/json' }, body: JSON.stringify(body),
    });
    for (const [what, body] of [['scale', { replicas: 5 }], ['idle', { after: '1s' }], ['pin', { pinned: true }]] as const) {
      const r = await post(what, body);
      assert.equal(r.status, 403, what);
      assert.match(((await r.json()) as { error: string }).error, /deploy_job/);
    }
    const v = await info('ops', '1.0.0');
    assert.deepEqual([v.replicas, v.idle_stop_after_ms, v.pinned], [1, 0, false]);
  });

  test('an idle version stops, a stranger cannot wake it, and the next call starts it and is answered', async () => {
    const set = await server.ssh('jobs idle ops 1.0.0 1s');
    assert.equal(set.code, 0, set.stderr);
    const before = await info('ops', '1.0.0');
    await eventually(async () => (await info('ops', '1.0.0')).status === 'idle', 20_000);
    await eventually(async () => !(await connects(before.upstreams[0]!)), 10_000); // an idle version runs no process
    const listed = JSON.parse((await server.ssh('jobs list --json')).stdout) as Info[];
    assert.equal(listed.find((j) => j.name === 'ops')?.status, 'idle');
    const api = await fetch(`${server.httpUrl}/lifecycle/api/v1/job/ops/1.0.0`, { headers: { 'x-racetrack-auth': server.token } });
    assert.equal(((await api.json()) as Info).status, 'idle');
    assert.ok((await metric('racetrack_idle_stops_total', 'ops')) >= 1);

    // the attack: calls without a valid token must not start it
    assert.equal((await perform('ops', '1.0.0', {}, null)).status, 401);
    assert.equal((await perform('ops', 'latest', {}, 'rt_wrong')).status, 401);
    assert.equal((await info('ops', '1.0.0')).status, 'idle');

    await server.ssh('jobs idle ops 1.0.0 off'); // no new idle stop while the test looks
    // calls that arrive together share one wake, and every one is answered
    const answered = await Promise.all([1, 2, 3, 4, 5].map(() => perform('ops', 'latest', { crash: false })));
    for (const a of answered) assert.deepEqual([a.status, a.json], [200, '1.0.0'], a.text);
    const woken = await info('ops', '1.0.0');
    assert.equal(woken.status, 'running');
    assert.equal(woken.idle_stop_after_ms, 0);
    assert.equal(await metric('racetrack_wakes_total', 'ops'), 1);
    assert.equal(await metric('racetrack_wake_duration_seconds_count', 'ops'), 1);

    const bad = await server.ssh('jobs idle ops 1.0.0 soon');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /DURATION: "soon" is not a duration/);
  });

  test('an idle version stays idle across a restart, and a call wakes it there', async () => {
    await server.ssh('jobs idle ops 1.0.0 1s');
    await eventually(async () => (await info('ops', '1.0.0')).status === 'idle', 20_000);
    server = await server.restart();
    assert.equal((await info('ops', '1.0.0')).status, 'idle');
    await server.ssh('jobs idle ops 1.0.0 off');
    const r = await perform('ops', '1.0.0');
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json, '1.0.0');
  });

  test('RACETRACK_KEEP_VERSIONS=2 stops older versions, never a pinned one, and the stopped answer 503', async () => {
    await push('ret', '1.0.0');
    const pin = await server.ssh('jobs pin ret 1.0.0');
    assert.equal(pin.code, 0, pin.stderr);
    for (const v of ['1.0.1', '1.0.2', '1.0.3']) await push('ret', v);
    const statuses = Object.fromEntries((JSON.parse((await server.ssh('jobs list --all --json')).stdout) as Info[])
      .filter((j) => j.name === 'ret').map((j) => [j.version, j.status]));
    assert.deepEqual(statuses, { '1.0.3': 'running', '1.0.2': 'running', '1.0.1': 'stopped', '1.0.0': 'running' });
    assert.equal((await perform('ret', '1.0.1')).status, 503);
    assert.equal((await perform('ret', '1.0.0')).json, '1.0.0');
    assert.equal((await perform('ret', 'latest')).json, '1.0.3');
    assert.equal((await info('ret', '1.0.0')).pinned, true);
    const unpin = await server.ssh('jobs pin ret 1.0.0 --off --json');
    assert.equal(unpin.code, 0, unpin.stderr);
    const unpinned = JSON.parse(unpin.stdout) as Info;
    assert.deepEqual([unpinned.pinned, unpinned.status], [false, 'stopped'], 'unpinned, it is one version too many');
  });

  test('pruning: a retired version\'s build folder goes; deploy logs beyond RACETRACK_KEEP_DEPLOY_LOGS go unless a version uses them', async () => {
    const retired = (await info('ret', '1.0.1')).deployment_id;
    const serving = (await info('ret', '1.0.2')).deployment_id;
    assert.equal(existsSync(join(server.dataDir, 'builds', retired)), false);
    assert.equal(existsSync(join(server.dataDir, 'builds', serving)), true);
    assert.equal((await server.ssh('jobs delete ret 1.0.1')).code, 0);
    await push('ret', '1.0.4'); // the next deploy of the job prunes
    const log = async (id: string) => (JSON.parse((await server.ssh(`deploys show ${id} --json`)).stdout) as { log: string }).log;
    assert.equal(await log(retired), '');
    assert.match(await log(serving), /ret 1\.0\.2 is ready/);
  });

  test('latest failing soon after its promotion rolls back to the previous version, audited and shown in jobs info', async () => {
    await push('rb', '1.0.0');
    await push('rb', '2.0.0');
    assert.equal((await perform('rb', 'latest')).json, '2.0.0');
    await perform('rb', '2.0.0', { crash: true }); // it dies answering, and no longer starts
    await eventually(async () => (await info('rb', '2.0.0')).status === 'error', 60_000);
    const failed = await info('rb', '2.0.0');
    assert.equal(failed.latest, false);
    assert.match(failed.rolled_back ?? '', /^latest rolled back to 1\.0\.0 at .*: 2\.0\.0 turned error/);
    const shown = await server.ssh('jobs info rb 2.0.0');
    assert.match(shown.stdout, /rolled back\s+latest rolled back to 1\.0\.0/);
    assert.equal((await info('rb', 'latest')).version, '1.0.0');
    assert.equal((await perform('rb', 'latest')).json, '1.0.0');
    const audit = await server.ssh('audit --json');
    assert.match(audit.stdout, /job\.rollback/);
    assert.equal(await metric('racetrack_rollbacks_total', 'rb'), 1);
  });
});

function connects(upstream: string): Promise<boolean> {
  const i = upstream.lastIndexOf(':');
  return new Promise((resolve) => {
    const socket = connect({ host: upstream.slice(0, i), port: Number(upstream.slice(i + 1)) }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}
