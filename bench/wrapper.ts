// Benchmark of the job wrappers, POST /api/v1/perform of the adder with wrk (1 thread, 10 connections):
// - python3: our stdlib wrapper vs the same job on FastAPI+uvicorn (what Racetrack uses);
// - golang: our stdlib wrapper vs the same job under gin (what Racetrack's Go wrapper uses), both built offline
//   from Debian's packages (scripts/offline-go-proxy.sh); rust: our hyper wrapper (scripts/offline-cargo-source.sh).
// Needs Debian's wrk, python3-fastapi, python3-uvicorn, golang-go, golang-github-gin-gonic-gin-dev,
// golang-github-inconshreveable-log15-dev, cargo (any), librust-hyper-dev, librust-tokio-dev, librust-serde-json-dev;
// a part whose tools are missing is skipped, saying why.
// The servers of one comparison run side by side and are measured in turn, BENCH_ROUNDS times (median kept), so
// that the load of whatever else shares the 2 cores falls on both alike.
// Run: npm run bench:wrapper   (BENCH_SECONDS=10, BENCH_ROUNDS=3 by default)
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { buildGolangJob } from '../src/jobtypes/golang/build-golang-job.js';
import { buildRustJob } from '../src/jobtypes/rust/build-rust-job.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const WRAPPER_DIR = join(ROOT, 'src/jobtypes/python3/wrapper');
const ADDER_DIR = join(ROOT, 'test/fixtures/jobs/adder');
const GOLANG_ADDER_DIR = join(ROOT, 'test/fixtures/jobs/golang-sample');
const RUST_ADDER_DIR = join(ROOT, 'test/fixtures/jobs/rust-sample');
const BENCH_DIR = join(ROOT, 'bench/wrapper');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
/** USER_HZ of /proc/PID/stat, 100 on Linux */
const CLOCK_TICKS = 100;
const GOAL_RATIO = 1.3;
/** module proxy, build caches and crates survive between runs: only the first run compiles everything */
const CACHE = join(tmpdir(), 'racetrack-bench-cache');
/** the Go modules of the sample job (pkg/errors) and of the gin anchor (gin, and log15 as Racetrack's wrapper logs) */
const GO_PACKAGES = ['golang-github-pkg-errors-dev', 'golang-github-gin-gonic-gin-dev', 'golang-github-inconshreveable-log15-dev'];

interface Result { name: string; rps: number; p99ms: number; requests: number; cpuUsPerRequest?: number }

const children: ChildProcess[] = [];
function stopAll(): void {
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
}
process.on('exit', stopAll);
process.on('SIGINT', () => { stopAll(); process.exit(130); });

/** The same interpreter runs both servers; Debian's python3-fastapi lives in /usr/bin/python3. */
function findPython(): string | undefined {
  for (const python of ['/usr/bin/python3', 'python3']) {
    if (spawnSync(python, ['-c', 'import fastapi, uvicorn'], { stdio: 'ignore' }).status === 0) return python;
  }
  return undefined;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * wrk on core 0 and the servers on the others, so that the load generator never takes turns with a server on one
 * core: unpinned on 2 cores, every wrapper with a worker per core had a p99 of one scheduler tick (4 ms) whatever its
 * code. BENCH_PIN=0 measures unpinned.
 */
const PIN = process.env.BENCH_PIN !== '0' && availableParallelism() >= 2 && has('taskset', ['--version']);
const SERVER_CPUS = `1-${availableParallelism() - 1}`;
const pinnedTo = (cpus: string, cmd: string, args: string[]): [string, string[]] => (PIN ? ['taskset', ['-c', cpus, cmd, ...args]] : [cmd, args]);

function start(cmd: string, args: string[], cwd: string, env: Record<string, string>): ChildProcess {
  const child = spawn(...pinnedTo(SERVER_CPUS, cmd, args), { cwd, env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-4000); });
  child.on('exit', (code) => { if (code && code !== 0) console.error(`${cmd} ${args.join(' ')} exited ${code}:\n${stderr}`); });
  children.push(child);
  return child;
}

async function waitFor42(url: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"numbers": [40, 2]}' });
      const body = await res.json();
      if (body === 42) return;
      throw new Error(`${url} answered ${JSON.stringify(body)} instead of 42`);
    } catch (e) {
      if (e instanceof Error && e.message.includes('instead of 42')) throw e;
      if (Date.now() > deadline) throw new Error(`${url} did not come up: ${String(e)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

function wrk(url: string, seconds: number): string {
  const res = spawnSync(...pinnedTo('0', 'wrk', ['-t1', '-c10', `-d${seconds}s`, '--latency', '-s', join(BENCH_DIR, 'post.lua'), url]), {
    encoding: 'utf8', timeout: (seconds + 20) * 1000,
  });
  if (res.status !== 0) throw new Error(`wrk failed: ${res.error?.message ?? res.stderr}`);
  return res.stdout;
}

function toMs(value: string, unit: string): number {
  return Number(value) * ({ us: 0.001, ms: 1, s: 1000 } as Record<string, number>)[unit];
}

function parseWrk(name: string, output: string): Result {
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(output);
  const p99 = /^\s*99%\s+([\d.]+)(us|ms|s)\s*$/m.exec(output);
  const requests = /(\d+) requests in /.exec(output);
  if (!rps || !p99 || !requests) throw new Error(`cannot parse wrk output:\n${output}`);
  if (/Non-2xx or 3xx responses/.test(output)) throw new Error(`${name}: some responses were errors:\n${output}`);
  return { name, rps: Number(rps[1]), p99ms: toMs(p99[1], p99[2]), requests: Number(requests[1]) };
}

interface Server { name: string; cmd: string; args: string[]; cwd: string; env: Record<string, string> }

const median = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)]!;

/** CPU seconds (user + system) a process has used: a cost per request that others' load on the machine hardly moves */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/** Starts the servers, warms each up, measures them in turn ROUNDS times, stops them; medians per server. */
async function compare(servers: Server[]): Promise<Result[]> {
  const urls: string[] = [];
  const pids: number[] = [];
  for (const server of servers) {
    const port = await freePort();
    pids.push(start(server.cmd, [...server.args, '--port', String(port)], server.cwd, server.env).pid!);
    const url = `http://127.0.0.1:${port}/api/v1/perform`;
    await waitFor42(url);
    wrk(url, 2); // warm-up
    urls.push(url);
  }
  const runs: Result[][] = servers.map(() => []);
  const cpu = servers.map(() => 0);
  for (let round = 0; round < ROUNDS; round++) {
    servers.forEach((server, i) => {
      const before = cpuSeconds(pids[i]!);
      runs[i]!.push(parseWrk(server.name, wrk(urls[i]!, SECONDS)));
      cpu[i] += cpuSeconds(pids[i]!) - before;
    });
  }
  stopAll();
  // the rounds themselves: whether a difference of medians stands out of their spread
  servers.forEach((server, i) => console.log(`  ${server.name.padEnd(28)} rounds: ${runs[i]!.map((r) => `${Math.round(r.rps)} req/s p99 ${r.p99ms.toFixed(2)} ms`).join(', ')}`));
  return servers.map((server, i) => {
    const requests = runs[i]!.reduce((sum, r) => sum + r.requests, 0);
    return {
      name: server.name, rps: median(runs[i]!.map((r) => r.rps)), p99ms: median(runs[i]!.map((r) => r.p99ms)), requests,
      cpuUsPerRequest: (cpu[i]! / requests) * 1e6,
    };
  });
}

function has(cmd: string, args: string[] = ['version']): boolean {
  return spawnSync(cmd, args, { stdio: 'ignore' }).error === undefined;
}

function debianPackagesMissing(packages: string[]): string[] {
  return packages.filter((p) => spawnSync('dpkg-query', ['-W', '-f=${Status}', p], { encoding: 'utf8' }).stdout !== 'install ok installed');
}

function runScript(script: string, args: string[]): void {
  const res = spawnSync('bash', [join(ROOT, 'scripts', script), ...args], { encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`${script} failed:\n${res.stderr}`);
}

/** The golang adder under our wrapper and under gin, both built against the offline module proxy. */
async function buildGolangBinaries(work: string): Promise<{ ours: string; gin: string }> {
  const proxy = join(CACHE, 'goproxy');
  if (!existsSync(join(proxy, 'github.com', 'inconshreveable', 'log15', '@v', 'list'))) runScript('offline-go-proxy.sh', [proxy, ...GO_PACKAGES]);
  const build = async (name: string, wrapperDir?: string) => {
    const workDir = join(work, `go-${name}`);
    mkdirSync(workDir);
    const outFile = join(work, `${name}-adder`);
    await buildGolangJob({ jobDir: GOLANG_ADDER_DIR, workDir, outFile, wrapperDir, cacheDir: join(CACHE, 'go'), goproxy: `file://${proxy}`, gosumdb: 'off' });
    return outFile;
  };
  return { ours: await build('ours'), gin: await build('gin', join(BENCH_DIR, 'gin-adder')) };
}

async function buildRustBinary(work: string): Promise<string> {
  const cargoHome = join(CACHE, 'cargo-home');
  runScript('offline-cargo-source.sh', [cargoHome]);
  const workDir = join(work, 'rust');
  mkdirSync(workDir);
  const outFile = join(work, 'rust-adder');
  await buildRustJob({ jobDir: RUST_ADDER_DIR, workDir, outFile, targetDir: join(CACHE, 'rust-target'), cargoHome });
  return outFile;
}

function report(label: string, ours: Result, anchor: Result, goalRatio: number): void {
  const ratio = ours.rps / anchor.rps;
  const met = ratio >= goalRatio && ours.p99ms <= anchor.p99ms;
  console.log(`${label}: ${ratio.toFixed(2)}x req/s, p99 ${(ours.p99ms / anchor.p99ms).toFixed(2)}x -> ${met ? 'goal met' : 'goal NOT met'} (>= ${goalRatio}x req/s, p99 no worse)`);
}

async function main(): Promise<void> {
  if (!has('wrk', ['--version'])) {
    console.error('wrk is missing: apt-get install wrk');
    process.exit(2);
  }
  const python = findPython();
  const goMissing = has('go') ? debianPackagesMissing(GO_PACKAGES) : ['golang-go'];
  const rustMissing = has('cargo', ['--version']) ? debianPackagesMissing(['librust-hyper-dev', 'librust-tokio-dev', 'librust-serde-json-dev']) : ['cargo'];
  const work = mkdtempSync(join(tmpdir(), 'rt-bench-wrapper-'));
  process.on('exit', () => rmSync(work, { recursive: true, force: true }));
  const results: Result[] = [];
  const env = { JOB_NAME: 'adder', JOB_VERSION: '0.0.2' };

  let python3: { ours: Result; fastapi: Result } | undefined;
  if (python) {
    const [ours, fastapi] = await compare([
      { name: 'python3 ours (stdlib)', cmd: python, args: ['-m', 'racetrack_job_wrapper', '--entrypoint-path', 'adder.py'], cwd: ADDER_DIR, env: { PYTHONPATH: WRAPPER_DIR, ...env } },
      // uvicorn takes --port too
      { name: 'python3 fastapi+uvicorn', cmd: python, args: ['-m', 'uvicorn', 'fastapi_adder:app', '--host', '127.0.0.1'], cwd: BENCH_DIR, env: { JOB_DIR: ADDER_DIR } },
    ]);
    python3 = { ours: ours!, fastapi: fastapi! };
    results.push(ours!, fastapi!);
  } else {
    console.log('python3: skipped, FastAPI/uvicorn are missing: apt-get install python3-fastapi python3-uvicorn');
  }

  let golang: { ours: Result; gin: Result } | undefined;
  let rust: Result | undefined;
  const compiled: Server[] = [];
  if (goMissing.length === 0) {
    const binaries = await buildGolangBinaries(work);
    compiled.push({ name: 'golang ours (net/http)', cmd: binaries.ours, args: [], cwd: work, env },
      { name: 'golang gin', cmd: binaries.gin, args: [], cwd: work, env });
  } else {
    console.log(`golang: skipped, missing: apt-get install ${goMissing.join(' ')}`);
  }
  if (rustMissing.length === 0) {
    compiled.push({ name: 'rust ours (hyper)', cmd: await buildRustBinary(work), args: [], cwd: work, env });
  } else {
    console.log(`rust: skipped, missing: apt-get install ${rustMissing.join(' ')}`);
  }
  if (compiled.length > 0) {
    const measured = await compare(compiled);
    results.push(...measured);
    const byName = (name: string) => measured.find((r) => r.name.startsWith(name));
    const [goOurs, goGin] = [byName('golang ours'), byName('golang gin')];
    if (goOurs && goGin) golang = { ours: goOurs, gin: goGin };
    rust = byName('rust');
  }

  const pinning = PIN ? `wrk on cpu 0, servers on cpus ${SERVER_CPUS}` : 'unpinned';
  console.log(`wrk -t1 -c10 -d${SECONDS}s POST /api/v1/perform, median of ${ROUNDS} rounds, ${pinning}${python ? `, python: ${python}` : ''}`);
  for (const r of results) {
    console.log(`${r.name.padEnd(26)} ${r.rps.toFixed(0).padStart(8)} req/s   p99 ${r.p99ms.toFixed(2).padStart(7)} ms   ${r.cpuUsPerRequest!.toFixed(1).padStart(6)} µs CPU/request`);
  }
  if (python3) report('python3 ours/fastapi', python3.ours, python3.fastapi, GOAL_RATIO);
  if (golang) report('golang ours/gin', golang.ours, golang.gin, 1);
  if (golang && rust) report('rust/golang ours', rust, golang.ours, 1);
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  stopAll();
  process.exit(1);
});
