// Many versions, few running: 10 pushed adder versions serve; then 990 idle versions are recorded beside them (rows
// copied from a real one, as `jobs idle` leaves them: stopped, no process) and the server restarts. Measured in one
// run: server RSS, `jobs list` over the API and over ssh, and gateway req/s to the 10 running versions, against the
// same 10 versions alone. Goals: RSS < 300 MB, jobs list < 200 ms, req/s unchanged (± noise).
// Run: npm run bench:scale (needs wrk; BENCH_SECONDS, BENCH_IDLE)
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { commitAll, makeJobRepo, pushSsh, run, startTestServer, writeFile, type TestServer } from '../test/harness.js';
import { median } from './first-answer.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const IDLE = Number(process.env.BENCH_IDLE ?? 990);
const LUA = join(import.meta.dirname, 'scale', 'rotate.lua');

async function rps(server: TestServer): Promise<number> {
  const args = ['-t2', '-c20', `-d${SECONDS}s`, '--timeout', '2s', '-s', LUA, '-H', `X-Racetrack-Auth: ${server.token}`, server.httpUrl];
  const { stdout, stderr } = await run(process.env.WRK ?? 'wrk', args);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(stdout);
  if (non2xx || !/Requests\/sec/.test(stdout)) throw new Error(`wrk: ${non2xx?.[1] ?? 'no'} non-2xx answers\n${stdout}${stderr}`);
  return Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)![1]);
}

function rssMb(pid: number): number {
  return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
}

async function timeMs(fn: () => Promise<unknown>, runs = 5): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return median(times);
}

async function measure(server: TestServer, label: string): Promise<void> {
  await rps(server); // warm-up: JIT, pools, keep-alive connections
  const r = await rps(server);
  const api = await timeMs(async () => (await fetch(`${server.httpUrl}/lifecycle/api/v1/job`, { headers: { 'x-racetrack-auth': server.token } })).json());
  const ssh = await timeMs(() => server.ssh('jobs list --all --json'));
  console.log(`  ${label.padEnd(28)} rss ${rssMb(server.proc.pid!).toFixed(0).padStart(4)} MB   GET /job ${api.toFixed(0).padStart(4)} ms   ssh jobs list --all ${ssh.toFixed(0).padStart(4)} ms   gateway ${r.toFixed(0)} req/s`);
}

let server = await startTestServer();
try {
  const repo = await makeJobRepo('adder');
  const manifest = readFileSync(join(repo, 'job.yaml'), 'utf8');
  for (let i = 0; i < 10; i++) {
    writeFile(repo, 'job.yaml', manifest.replace(/^version: .*$/m, `version: 1.0.${i}`));
    await commitAll(repo, `1.0.${i}`);
    const r = await pushSsh(server, repo, 'adder');
    if (r.code !== 0) throw new Error(`push failed:\n${r.stderr}`);
  }
  console.log(`scale: 10 running adder versions, then ${IDLE} idle ones beside them (wrk -t2 -c20, ${SECONDS}s)`);
  await measure(server, '10 versions');
  await server.stop();
  const db = new Database(join(server.dataDir, 'racetrack.db'));
  const copy = db.prepare(`INSERT INTO job_versions (name, version, "commit", manifest, job_type, status, target, upstreams, artifact, promoted, error,
      deployed_by, deployment_id, created_at, updated_at, last_call_at, replicas, idle_after_ms, pinned, promoted_at, rolled_back)
    SELECT name, ?, "commit", manifest, job_type, 'idle', target, '[]', artifact, 0, NULL, deployed_by, ?, created_at - 1, updated_at, NULL, NULL, 60000, 0, NULL, NULL
    FROM job_versions WHERE name = 'adder' AND version = '1.0.0'`);
  db.transaction(() => {
    for (let i = 0; i < IDLE; i++) copy.run(`0.${Math.floor(i / 100)}.${i % 100}`, `idle-${i}`);
  })();
  db.close();
  server = await server.restart();
  await measure(server, `10 running + ${IDLE} idle`);
} finally {
  await server.cleanup();
}
