// Gateway throughput and latency against nginx: wrk (c=50) on a trivial Node job called directly,
// through nginx proxy_pass with keepalive, through /pub (undici upstream clients) with auth on
// and 1,000 routed versions, and through the floor under /pub (a Node HTTP server handing each request
// to undici with nothing else), which shows how much of the gap is the stack rather than the gateway.
// Targets take turns for a few rounds, so noise from other work on the machine hits all of them alike. The two Node
// proxies start afresh each round: a Node process's speed can differ from its twin's for its whole life (before the
// server turned V8's pretenuring off, src/server/tune-gc.ts, one gateway in three ran 35–45% slower than the rest),
// and one draw should not decide the figure.
// Run: node --import tsx bench/gateway.ts   (needs Debian's nginx and wrk; BENCH_SECONDS, BENCH_ROUNDS)
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect, createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';

const NGINX = process.env.NGINX ?? '/usr/sbin/nginx';
const WRK = process.env.WRK ?? 'wrk';
/** Seconds of measurement per target, split over the rounds. */
const SECONDS = Number(process.env.BENCH_SECONDS ?? 12);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = 50;
const TOKEN = 'bench-token';
const here = new URL('.', import.meta.url).pathname;
/** USER_HZ: /proc times are in 1/100 s on Linux. */
const CLOCK_TICKS = 100;
const run = promisify(execFile);

interface Result {
  name: string;
  rps: number;
  /** CPU time the proxy (or the job, for direct) spent per request, in µs: steadier than req/s on a busy machine. */
  cpuUs: number;
  /** milliseconds */
  p50: number;
  p99: number;
}

type Round = Omit<Result, 'name'>;

const pct = (x: number): string => `${(x * 100).toFixed(0)}%`;
const times = (x: number): string => `${x.toFixed(2)}×`;
const range = (xs: number[], f: (x: number) => string): string => `${f(Math.min(...xs))}–${f(Math.max(...xs))}`;

const children: ChildProcess[] = [];
const dir = await mkdtemp(join(tmpdir(), 'rt-bench-gateway-'));
try {
  const upstreamPort = await startNode(join(here, 'gateway/upstream.ts'), []);
  const upstreamPid = children.at(-1)!.pid!;
  const nginxPort = await startNginx(upstreamPort);
  const nginxWorkerPid = Number((await readFile(`/proc/${children.at(-1)!.pid}/task/${children.at(-1)!.pid}/children`, 'utf8')).trim().split(' ')[0]);

  const upstream = `127.0.0.1:${upstreamPort}`;
  const targets: Target[] = [
    { name: 'direct', pid: upstreamPid, url: `http://${upstream}/pub/job/job-0/1.4.0/api/v1/perform`, headers: [] },
    { name: 'nginx', pid: nginxWorkerPid, url: `http://127.0.0.1:${nginxPort}/pub/job/job-0/1.4.0/api/v1/perform`, headers: [] },
    { name: 'floor', pid: 0, url: '', headers: [], start: ['gateway/floor-proxy.ts', [upstream], '/pub/job/job-0/1.4.0/api/v1/perform'] },
    { name: 'pub', pid: 0, url: '', headers: [`X-Racetrack-Auth: ${TOKEN}`], start: ['gateway/serve-gateway.ts', [upstream, TOKEN], '/pub/job/job-0/latest/api/v1/perform'] },
  ];
  // warm-up: JIT, pools, keepalive connections
  for (const t of targets) if (!t.start) await wrk(t.url, t.headers, 2, t.pid);
  const rounds = targets.map((): Round[] => []);
  const perRound = Math.max(1, Math.round(SECONDS / ROUNDS));
  for (let r = 0; r < ROUNDS; r++) {
    for (const [i, t] of targets.entries()) {
      if (t.start) await restart(t);
      rounds[i]!.push(await wrk(t.url, t.headers, perRound, t.pid));
    }
  }
  // Mean throughput; the median round's p50/p99 (one disturbed round does not decide).
  const results: Result[] = targets.map((t, i) => {
    const rs = rounds[i]!;
    const median = (k: 'p50' | 'p99') => rs.map((x) => x[k]).sort((a, b) => a - b)[Math.floor(rs.length / 2)]!;
    const mean = (k: 'rps' | 'cpuUs') => rs.reduce((sum, x) => sum + x[k], 0) / rs.length;
    return { name: t.name, rps: mean('rps'), cpuUs: mean('cpuUs'), p50: median('p50'), p99: median('p99') };
  });

  console.log(`\nwrk -t2 -c${CONNECTIONS}, ${ROUNDS} rounds × ${perRound}s per target (floor and pub: a fresh process each round), ${(await run('nproc')).stdout.trim()} cores`);
  for (const [i, t] of targets.entries()) console.log(`  ${t.name.padEnd(7)} rounds req/s: ${rounds[i]!.map((x) => x.rps.toFixed(0)).join(', ')}`);
  console.log('target    req/s      p50 ms   p99 ms   CPU µs/req (job for direct, proxy otherwise)');
  for (const r of results) console.log(`${r.name.padEnd(8)} ${r.rps.toFixed(0).padStart(7)}   ${r.p50.toFixed(2).padStart(7)}  ${r.p99.toFixed(2).padStart(7)}   ${r.cpuUs.toFixed(1).padStart(6)}`);
  const [direct, nginx, floor, pub] = results as [Result, Result, Result, Result];
  const [, nginxRounds, , pubRounds] = rounds as [Round[], Round[], Round[], Round[]];
  // rounds run back to back, so a round's pub/nginx ratio compares like with like; their range is the spread
  const rpsRatios = pubRounds.map((p, i) => p.rps / nginxRounds[i]!.rps);
  const p99Ratios = pubRounds.map((p, i) => p.p99 / nginxRounds[i]!.p99);
  const throughput = pub.rps / nginx.rps;
  const p99 = pub.p99 / nginx.p99;
  console.log(`\nthroughput pub/nginx: ${pct(throughput)} (rounds ${range(rpsRatios, pct)})  goal ≥ 50%: ${throughput >= 0.5 ? 'MET' : 'NOT MET'}`);
  console.log(`p99 pub/nginx: ${times(p99)} (rounds ${range(p99Ratios, times)})  goal ≤ 2×: ${p99 <= 2 ? 'MET' : 'NOT MET'}`);
  const addedNginx = nginx.p99 - direct.p99;
  console.log(`added p99 over direct: nginx ${addedNginx.toFixed(2)} ms, pub ${(pub.p99 - direct.p99).toFixed(2)} ms` +
    (addedNginx > 0 ? `  → ${times((pub.p99 - direct.p99) / addedNginx)} nginx's` : '  (nginx adds nothing measurable)'));
  console.log(`proxy CPU per request pub/nginx: ${times(pub.cpuUs / nginx.cpuUs)}`);
  console.log(`floor (Node HTTP server + undici dispatch, no gateway work): ${pct(floor.rps / nginx.rps)} of nginx's req/s, p99 ${times(floor.p99 / nginx.p99)}, ` +
    `${floor.cpuUs.toFixed(1)} µs/request; pub's own work adds ${(pub.cpuUs - floor.cpuUs).toFixed(1)} µs/request`);
  // what the gateway's CPU per request is made of: a Node HTTP server (the direct job's own cost) and undici's client
  // A proxy whose event loop is busy all the time serves 1 / (CPU per request): then only less work per request raises
  // its req/s, and this is the CPU per request that pub's share of nginx's req/s allows.
  const busy = (r: Result): string => pct((r.rps * r.cpuUs) / 1e6);
  console.log(`one core's busy share: nginx ${busy(nginx)}, floor ${busy(floor)}, pub ${busy(pub)}; ` +
    `50% of nginx's req/s needs pub within ${(1e6 / (0.5 * nginx.rps)).toFixed(1)} µs of CPU per request`);
  const alone = JSON.parse((await run(process.execPath, ['--import', 'tsx', join(here, 'gateway/undici-alone.ts'), String(upstreamPort), String(perRound)])).stdout) as { rps: number; cpuUs: number };
  console.log(`parts of the floor: a Node HTTP server ${direct.cpuUs.toFixed(1)} µs/request (the direct job), undici Client.dispatch alone ${alone.cpuUs.toFixed(1)} µs/request (${alone.rps.toFixed(0)} req/s)`);
} finally {
  for (const c of children) c.kill('SIGTERM');
  await rm(dir, { recursive: true, force: true });
}

interface Target {
  name: string;
  pid: number;
  url: string;
  headers: string[];
  /** A Node proxy started afresh (and warmed up) before each of its rounds: file under bench/, its arguments, the path called. */
  start?: [string, string[], string];
}

async function restart(t: Target): Promise<void> {
  const [file, args, path] = t.start!;
  const old = children.findIndex((c) => c.pid === t.pid);
  if (old >= 0) children.splice(old, 1)[0]!.kill('SIGTERM');
  const port = await startNode(join(here, file), args);
  t.pid = children.at(-1)!.pid!;
  t.url = `http://127.0.0.1:${port}${path}`;
  await wrk(t.url, t.headers, 2, t.pid);
}

/** Starts a TypeScript file in its own node process and waits for its `listening PORT` line. */
async function startNode(file: string, args: string[]): Promise<number> {
  const child = spawn(process.execPath, ['--import', 'tsx', file, ...args], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, NODE_ENV: 'production' } });
  children.push(child);
  for await (const line of createInterface({ input: child.stdout! })) {
    const m = /^listening (\d+)/.exec(line);
    if (m) return Number(m[1]);
  }
  throw new Error(`${file} exited before listening`);
}

async function startNginx(upstreamPort: number): Promise<number> {
  const port = await freePort();
  const conf = join(dir, 'nginx.conf');
  // One worker: the gateway is one Node process, so both proxies get one core's worth of event loop.
  await writeFile(conf, `
daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  upstream job { server 127.0.0.1:${upstreamPort}; keepalive 64; }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://job;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
`);
  const child = spawn(NGINX, ['-p', dir, '-c', conf], { stdio: ['ignore', 'ignore', 'inherit'] });
  children.push(child);
  await waitForPort(port);
  return port;
}

async function wrk(url: string, headers: string[], seconds: number, pid: number): Promise<Round> {
  const args = ['-t2', `-c${CONNECTIONS}`, `-d${seconds}s`, '--timeout', '2s', '--latency', ...headers.flatMap((h) => ['-H', h]), url];
  const cpuBefore = await cpuTicks(pid);
  const { stdout } = await run(WRK, args, { timeout: (seconds + 30) * 1000 });
  const cpu = (await cpuTicks(pid)) - cpuBefore;
  const requests = Number(/(\d+) requests in/.exec(stdout)?.[1]);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1]);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(stdout);
  if (non2xx) throw new Error(`${url}: ${non2xx[1]} non-2xx answers\n${stdout}`);
  return { rps, cpuUs: (cpu * (1e6 / CLOCK_TICKS)) / requests, p50: latency(stdout, '50%'), p99: latency(stdout, '99%') };
}

/** utime + stime of a process, in clock ticks. https://man7.org/linux/man-pages/man5/proc_pid_stat.5.html */
async function cpuTicks(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]); // fields 14 and 15, counted from after the command name
}

/** wrk prints `99%    1.23ms` (or us / s) in its latency distribution. */
function latency(stdout: string, pct: string): number {
  const m = new RegExp(`${pct}\\s+([\\d.]+)(us|ms|s)`).exec(stdout);
  if (!m) throw new Error(`no ${pct} latency in wrk output:\n${stdout}`);
  return Number(m[1]) * ({ us: 0.001, ms: 1, s: 1000 } as Record<string, number>)[m[2]!]!;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

async function waitForPort(port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const open = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nginx did not listen on ${port}; see ${dir}/error.log`);
}
