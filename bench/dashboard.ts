// The dashboard's jobs page with 1,000 job versions: server-side time per page (p50/p99, goal < 50 ms p50 and
// < 200 ms p99), against the login page (express, session check, a small page: no SQLite) as the baseline
// measured in the same run.
// Run: npm run bench:dashboard   (BENCH_VERSIONS, BENCH_REQUESTS)
import { Agent } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSettings } from '../src/config/index.js';
import { startServer } from '../src/server/start-server.js';
import { openDatabase, jobStore } from '../src/db/index.js';
import type { Manifest } from '../src/manifest/index.js';
import { dashboardSession, navigateRequest } from '../test/dashboard-requests.js';

const VERSIONS = Number(process.env.BENCH_VERSIONS ?? 1000);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 300);
const PASSWORD = 'bench password';
const agent = new Agent({ keepAlive: true, maxSockets: 1 });

const dir = await mkdtemp(join(tmpdir(), 'rt-bench-dashboard-'));
const server = await startServer(loadSettings({ dataDir: dir, httpPort: '0', sshPort: '0', localSandbox: 'off' }, { RACETRACK_ADMIN_TOKEN: 'bench-admin-token' }));
try {
  seed(join(dir, 'racetrack.db'));
  const admin = server.services.auth.userSubject('admin@racetrack.local')!;
  await server.services.access.setPassword(admin, PASSWORD);
  const cookie = await dashboardSession(server.httpUrl, 'admin@racetrack.local', PASSWORD);

  const jobsPage = () => timed(`${server.httpUrl}/dashboard/jobs`, { cookie }, /<tbody>/);
  const loginPage = () => timed(`${server.httpUrl}/dashboard/login`, {}, /<form/);
  const rows = ((await navigateRequest(`${server.httpUrl}/dashboard/jobs`, { headers: { cookie }, agent })).text.match(/<tr>/g) ?? []).length - 1;
  if (rows !== VERSIONS) throw new Error(`the jobs page shows ${rows} versions, expected ${VERSIONS}`);
  for (let i = 0; i < 30; i++) await Promise.all([jobsPage(), loginPage()]); // warm-up: JIT, connections
  const page: number[] = [];
  const base: number[] = [];
  // interleaved, so other work on the machine hits both alike
  for (let i = 0; i < REQUESTS; i++) {
    page.push(await jobsPage());
    base.push(await loginPage());
  }
  const p = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * q))]!;
  const fmt = (ms: number) => `${ms.toFixed(2)} ms`;
  console.log(`dashboard jobs page, ${VERSIONS} versions, ${REQUESTS} sequential requests (HTTP, session, SQLite, render)`);
  console.log(`  jobs page   p50 ${fmt(p(page, 0.5))}  p99 ${fmt(p(page, 0.99))}   (goal: p50 < 50 ms, p99 < 200 ms)`);
  console.log(`  login page  p50 ${fmt(p(base, 0.5))}  p99 ${fmt(p(base, 0.99))}   (baseline: the same app, a small page, no SQLite)`);
  console.log(`  ratio       p50 ${(p(page, 0.5) / p(base, 0.5)).toFixed(1)}x  p99 ${(p(page, 0.99) / p(base, 0.99)).toFixed(1)}x`);
  console.log(`  verdict     ${p(page, 0.5) < 50 && p(page, 0.99) < 200 ? 'within the goal' : 'OUTSIDE the goal'}`);
} finally {
  agent.destroy();
  await server.stop();
  await rm(dir, { recursive: true, force: true });
}

/** 1,000 stopped versions of 100 jobs, written straight into the server's database (nothing to start). */
function seed(file: string): void {
  const db = openDatabase(file);
  const store = jobStore(db);
  const perJob = 10;
  for (let j = 0; j < VERSIONS / perJob; j++) {
    const name = `job-${j}`;
    store.createFamily(name, 'admin@racetrack.local');
    for (let v = 0; v < perJob; v++) {
      const version = `1.${v}.0`;
      const manifest = { name, version, jobtype: 'python3:latest', replicas: 1, resources: {}, jobtype_extra: {}, build_env: {}, runtime_env: {}, labels: {} } as unknown as Manifest;
      store.put({
        name, version, commit: 'c0ffee'.padEnd(40, '0'), manifest, jobType: 'python3', status: 'stopped', target: 'local',
        upstreams: [], artifact: {}, deployedBy: 'admin@racetrack.local', deploymentId: `d-${j}-${v}`,
      });
    }
  }
  db.$client.close();
}

async function timed(url: string, headers: Record<string, string>, expect: RegExp): Promise<number> {
  const t0 = performance.now();
  const r = await navigateRequest(url, { headers, agent });
  const ms = performance.now() - t0;
  if (r.status !== 200 || !expect.test(r.text)) throw new Error(`${url}: ${r.status}`);
  return ms;
}

