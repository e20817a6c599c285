// Gateway throughput and latency against nginx: wrk (c=50) on a trivial Node job called directly,
// through nginx proxy_pass with keepalive, and through /pub with auth on and 1,000 routed versions.
// Run: node --import tsx bench/gateway.ts   (needs Debian's nginx and wrk)
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';

const NGINX = process.env.NGINX ?? '/usr/sbin/nginx';
const WRK = process.env.WRK ?? 'wrk';
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = 50;
const TOKEN = 'bench-token';
const here = new URL('.', import.meta.url).pathname;
const run = promisify(execFile);

interface Result {
  name: string;
  rps: number;
  /** milliseconds */
  p50: number;
  p99: number;
}

const children: ChildProcess[] = [];
const dir = await mkdtemp(join(tmpdir(), 'rt-bench-gateway-'));
try {
  const upstreamPort = await startNode(join(here, 'gateway/upstream.ts'), []);
  const gatewayPort = await startNode(join(here, 'gateway/serve-gateway.ts'), [`127.0.0.1:${upstreamPort}`, TOKEN]);
  const nginxPort = await startNginx(upstreamPort);

  const targets = [
    { name: 'direct', url: `http://127.0.0.1:${upstreamPort}/pub/job/job-0/1.4.0/api/v1/perform`, headers: [] as string[] },
    { name: 'nginx', url: `http://127.0.0.1:${nginxPort}/pub/job/job-0/1.4.0/api/v1/perform`, headers: [] },
    { name: 'pub', url: `http://127.0.0.1:${gatewayPort}/pub/job/job-0/latest/api/v1/perform`, headers: [`X-Racetrack-Auth: ${TOKEN}`] },
  ];
  const results: Result[] = [];
  for (const t of targets) {
    await wrk(t.url, t.headers, 2); // warm-up: JIT, pools, nginx keepalive connections
    results.push({ name: t.name, ...(await wrk(t.url, t.headers, SECONDS)) });
  }

  console.log(`\nwrk -c${CONNECTIONS} -d${SECONDS}s, ${(await run('nproc')).stdout.trim()} cores`);
  console.log('target    req/s      p50 ms   p99 ms');
  for (const r of results) console.log(`${r.name.padEnd(8)} ${r.rps.toFixed(0).padStart(7)}   ${r.p50.toFixed(2).padStart(7)}  ${r.p99.toFixed(2).padStart(7)}`);
  const [direct, nginx, pub] = results as [Result, Result, Result];
  const addedNginx = nginx.p99 - direct.p99;
  const addedPub = pub.p99 - direct.p99;
  console.log(`\nthroughput pub/nginx: ${((pub.rps / nginx.rps) * 100).toFixed(0)}%  (goal ≥ 60%)`);
  console.log(`added p99 over direct: nginx ${addedNginx.toFixed(2)} ms, pub ${addedPub.toFixed(2)} ms` +
    (addedNginx > 0 ? `  → ${(addedPub / addedNginx).toFixed(2)}× nginx (goal ≤ 2×)` : '  (nginx adds nothing measurable)'));
  console.log(`p99 pub/nginx: ${(pub.p99 / nginx.p99).toFixed(2)}×`);
} finally {
  for (const c of children) c.kill('SIGTERM');
  await rm(dir, { recursive: true, force: true });
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

async function wrk(url: string, headers: string[], seconds: number): Promise<Omit<Result, 'name'>> {
  const args = ['-t2', `-c${CONNECTIONS}`, `-d${seconds}s`, '--timeout', '2s', '--latency', ...headers.flatMap((h) => ['-H', h]), url];
  const { stdout } = await run(WRK, args, { timeout: (seconds + 30) * 1000 });
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1]);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(stdout);
  if (non2xx) throw new Error(`${url}: ${non2xx[1]} non-2xx answers\n${stdout}`);
  return { rps, p50: latency(stdout, '50%'), p99: latency(stdout, '99%') };
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
      const s = createServer();
      s.once('error', () => resolve(true)); // in use: nginx is listening
      s.listen(port, '127.0.0.1', () => s.close(() => resolve(false)));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nginx did not listen on ${port}; see ${dir}/error.log`);
}
