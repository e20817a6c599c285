// Leak test: 50 deploy/call/delete cycles of a tiny job must leave no extra file descriptors,
// processes, listening ports, build folders or job_versions rows behind (counted before and after).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { commitAll, makeJobRepo, pushSsh, startTestServer, writeFile, type TestServer } from '../harness.js';

const CYCLES = 50;
/** The whole loop must fit in this; a slower box fails the test rather than hanging CI. */
const LOOP_BUDGET_MS = 150_000;
/**
 * Descriptors the server may hold more or fewer after the loop without it being a leak: SQLite may
 * open or drop its -wal/-shm handles and a log stream may rotate (a handful at most, not growing
 * with the number of cycles). A leak of one descriptor per deploy, call or delete shows as ≥ 50.
 */
const FD_TOLERANCE = 3;

const files = (version: string) => ({
  'job.yaml': `name: leaky\njobtype: python3\nversion: ${version}\njobtype_extra:\n  entrypoint_path: tiny.py\n`,
  'tiny.py': `class Tiny:\n    def perform(self):\n        return ${JSON.stringify(version)}\n`,
});

/** One call with Connection: close, so the test itself leaves no keep-alive socket in the server. */
function call(server: TestServer, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const url = new URL(path, server.httpUrl);
    const req = http.request(url, { method: 'POST', agent: false, headers: { 'x-racetrack-auth': server.token, 'content-type': 'application/json', connection: 'close' } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error('call timed out')));
    req.end('{}');
  });
}

// ---- what the server holds, read from /proc

function statOf(pid: number): { ppid: number; state: string; comm: string } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = stat.lastIndexOf(')');
    const [state, ppid] = stat.slice(close + 2).split(' ');
    return { ppid: Number(ppid), state: state!, comm: stat.slice(stat.indexOf('(') + 1, close) };
  } catch {
    return undefined; // gone meanwhile
  }
}

/** Every process below `root`, found by walking ppid links over /proc. */
function descendants(root: number): { pid: number; state: string; comm: string }[] {
  const children = new Map<number, { pid: number; state: string; comm: string }[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const s = statOf(Number(entry));
    if (!s) continue;
    const list = children.get(s.ppid) ?? [];
    list.push({ pid: Number(entry), state: s.state, comm: s.comm });
    children.set(s.ppid, list);
  }
  const out: { pid: number; state: string; comm: string }[] = [];
  const queue = [root];
  while (queue.length) {
    for (const c of children.get(queue.shift()!) ?? []) {
      out.push(c);
      queue.push(c.pid);
    }
  }
  return out;
}

function fdTargets(pid: number): string[] {
  try {
    return readdirSync(`/proc/${pid}/fd`).map((fd) => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        return 'gone';
      }
    });
  } catch {
    return [];
  }
}

/** Kind of each descriptor (socket, pipe, anon_inode:[eventfd], a path with the temp dir cut), counted. */
function fdKinds(targets: string[], dataDir: string): Record<string, number> {
  const kinds: Record<string, number> = {};
  for (const t of targets) {
    const kind = t.startsWith('socket:') ? 'socket' : t.startsWith('pipe:') ? 'pipe' : t.startsWith(dataDir) ? `data:${t.slice(dataDir.length)}` : t.startsWith('/') ? 'file' : t.replace(/\d+/g, 'N');
    kinds[kind] = (kinds[kind] ?? 0) + 1;
  }
  return kinds;
}

/** Loopback/any TCP ports in LISTEN state whose socket belongs to one of `pids`. */
function listeningPorts(pids: number[]): number[] {
  const inodes = new Set<string>();
  for (const pid of pids) {
    for (const t of fdTargets(pid)) {
      const m = /^socket:\[(\d+)\]$/.exec(t);
      if (m) inodes.add(m[1]!);
    }
  }
  const ports: number[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!existsSync(table)) continue;
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 10 || cols[3] !== '0A') continue; // 0A = LISTEN
      if (inodes.has(cols[9]!)) ports.push(parseInt(cols[1]!.split(':')[1]!, 16));
    }
  }
  return ports.sort((a, b) => a - b);
}

interface Snapshot {
  fds: number;
  fdKinds: Record<string, number>;
  processes: { pid: number; state: string; comm: string }[];
  ports: number[];
  builds: string[];
  runFiles: number;
  versions: number;
  jobs: number;
  deployments: { status: string; n: number }[];
  deploymentsTotal: number;
}

function snapshot(server: TestServer): Snapshot {
  const pid = server.proc.pid!;
  const targets = fdTargets(pid);
  const processes = descendants(pid);
  const db = new Database(join(server.dataDir, 'racetrack.db'), { readonly: true, fileMustExist: true });
  try {
    const deployments = db.prepare('SELECT status, count(*) AS n FROM deployments GROUP BY status ORDER BY status').all() as { status: string; n: number }[];
    return {
      fds: targets.length,
      fdKinds: fdKinds(targets, server.dataDir),
      processes,
      ports: listeningPorts([pid, ...processes.map((p) => p.pid)]),
      builds: readdirSync(join(server.dataDir, 'builds')),
      runFiles: existsSync(join(server.dataDir, 'run', 'local')) ? readdirSync(join(server.dataDir, 'run', 'local')).length : 0,
      versions: (db.prepare('SELECT count(*) AS n FROM job_versions').get() as { n: number }).n,
      jobs: (db.prepare('SELECT count(*) AS n FROM jobs').get() as { n: number }).n,
      deployments,
      deploymentsTotal: deployments.reduce((s, d) => s + d.n, 0),
    };
  } finally {
    db.close();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Processes and sockets end asynchronously: wait (bounded) until the picture stops changing. */
async function settled(server: TestServer, baseline?: Snapshot): Promise<Snapshot> {
  let last = snapshot(server);
  for (let i = 0; i < 40; i++) {
    await sleep(250);
    const now = snapshot(server);
    const quiet = now.fds === last.fds && now.processes.length === last.processes.length;
    const atBaseline = baseline && now.processes.length <= baseline.processes.length && now.fds <= baseline.fds + FD_TOLERANCE;
    last = now;
    if (atBaseline || (!baseline && quiet)) break;
  }
  return last;
}

describe('leak', () => {
  let server: TestServer;
  let repo: string;

  before(async () => {
    server = await startTestServer();
    repo = await makeJobRepo(files('1.0.0'));
  });
  after(async () => {
    await server.cleanup();
  });

  let version = 0;
  async function cycle(whileRunning?: () => void): Promise<void> {
    const v = `1.0.${version++}`;
    for (const [path, text] of Object.entries(files(v))) writeFile(repo, path, text);
    await commitAll(repo, v);
    const push = await pushSsh(server, repo, 'leaky');
    assert.equal(push.code, 0, `push of ${v}: ${push.stderr}`);
    const r = await call(server, `/pub/job/leaky/${v}/api/v1/perform`);
    assert.equal(r.status, 200, r.body);
    assert.equal(JSON.parse(r.body), v);
    whileRunning?.();
    const del = await server.ssh(`jobs delete leaky ${v}`);
    assert.equal(del.code, 0, del.stderr);
  }

  test(`${CYCLES} deploy/call/delete cycles leave no fds, processes, ports, build folders or rows behind`, async (t) => {
    // One warm-up cycle first: the first deploy opens what the server keeps for good (the job's
    // repo, lazily made pools and caches); the baseline is the state a steady server returns to.
    let running: Snapshot | undefined;
    await cycle(() => (running = snapshot(server)));
    const base = await settled(server);
    // the instruments see a deployed job: its process, its port, its build folder, its row
    assert.ok(running);
    assert.ok(running.processes.length > base.processes.length, 'a running job shows as a descendant process');
    assert.ok(running.ports.length > base.ports.length, 'a running job shows as a listening port');
    assert.equal(running.builds.length, 1);
    assert.equal(running.versions, 1);
    t.diagnostic(`while a version runs: ${running.fds} fds, ${running.processes.length} descendants (${running.processes.map((p) => p.comm).join(',')}), ports ${running.ports.join(',')}`);
    t.diagnostic(`baseline: ${base.fds} fds ${JSON.stringify(base.fdKinds)}, ${base.processes.length} descendant processes, listening ports ${base.ports.join(',')}, ${base.builds.length} build folders, ${base.versions} job_versions rows, ${base.deploymentsTotal} deployments`);

    const started = Date.now();
    const durations: number[] = [];
    for (let i = 0; i < CYCLES; i++) {
      const t0 = Date.now();
      await cycle();
      durations.push(Date.now() - t0);
      assert.ok(Date.now() - started < LOOP_BUDGET_MS, `only ${i + 1} of ${CYCLES} cycles in ${LOOP_BUDGET_MS} ms`);
    }
    const loopMs = Date.now() - started;
    durations.sort((a, b) => a - b);
    t.diagnostic(`${CYCLES} cycles in ${(loopMs / 1000).toFixed(1)} s: per cycle median ${durations[CYCLES >> 1]} ms, max ${durations[CYCLES - 1]} ms`);

    const end = await settled(server, base);
    const logs = (dir: string) => (existsSync(join(server.dataDir, dir)) ? readdirSync(join(server.dataDir, dir)).length : 0);
    t.diagnostic(`kept as history: ${logs('logs/deploys')} deploy logs; runtime logs of deleted versions: ${logs('logs/jobs/leaky')}`);
    assert.equal(logs('logs/jobs/leaky'), 0, 'a deleted version leaves no runtime log');
    t.diagnostic(`after: ${end.fds} fds ${JSON.stringify(end.fdKinds)}, ${end.processes.length} descendant processes, listening ports ${end.ports.join(',')}, ${end.builds.length} build folders, ${end.versions} job_versions rows, ${end.deploymentsTotal} deployments ${JSON.stringify(end.deployments)}`);

    const zombies = end.processes.filter((p) => p.state === 'Z');
    assert.deepEqual(zombies, [], 'no unreaped children');
    assert.deepEqual(end.processes.map((p) => p.comm).sort(), base.processes.map((p) => p.comm).sort(), 'the same descendant processes as before');
    assert.ok(end.processes.length <= base.processes.length, `descendants: ${base.processes.length} → ${end.processes.length}`);
    assert.deepEqual(end.ports, base.ports, 'the same listening ports');
    assert.ok(Math.abs(end.fds - base.fds) <= FD_TOLERANCE, `fds: ${base.fds} → ${end.fds}\nbefore ${JSON.stringify(base.fdKinds)}\nafter  ${JSON.stringify(end.fdKinds)}`);
    assert.deepEqual(end.builds, base.builds, 'no build folder left');
    assert.equal(end.builds.length, 0);
    assert.equal(end.runFiles, base.runFiles, 'no pid file left');
    assert.equal(end.versions, base.versions, 'job_versions rows');
    assert.equal(end.versions, 0);
    assert.equal(end.deploymentsTotal, base.deploymentsTotal + CYCLES, 'deployments are history: one row per cycle');
    assert.deepEqual(end.deployments, [{ status: 'done', n: CYCLES + 1 }], 'every deployment is done');
  });
});
