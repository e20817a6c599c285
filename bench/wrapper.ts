// Benchmark: our stdlib python3 job wrapper vs the same adder job on FastAPI+uvicorn (what Racetrack uses),
// POST /api/v1/perform with wrk (1 thread, 10 connections). Needs Debian's wrk, python3-fastapi, python3-uvicorn.
// Run: node --import tsx bench/wrapper.ts   (BENCH_SECONDS=10 by default)
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const WRAPPER_DIR = join(ROOT, 'src/jobtypes/python3/wrapper');
const ADDER_DIR = join(ROOT, 'test/fixtures/jobs/adder');
const BENCH_DIR = join(ROOT, 'bench/wrapper');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const GOAL_RATIO = 1.3;

interface Result { name: string; rps: number; p99ms: number }

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

function start(cmd: string, args: string[], cwd: string, env: Record<string, string>): ChildProcess {
  const child = spawn(cmd, args, { cwd, env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
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
  const res = spawnSync('wrk', ['-t1', '-c10', `-d${seconds}s`, '--latency', '-s', join(BENCH_DIR, 'post.lua'), url], {
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
  if (!rps || !p99) throw new Error(`cannot parse wrk output:\n${output}`);
  if (/Non-2xx or 3xx responses/.test(output)) throw new Error(`${name}: some responses were errors:\n${output}`);
  return { name, rps: Number(rps[1]), p99ms: toMs(p99[1], p99[2]) };
}

async function bench(name: string, port: number): Promise<Result> {
  const url = `http://127.0.0.1:${port}/api/v1/perform`;
  await waitFor42(url);
  wrk(url, 2); // warm-up
  return parseWrk(name, wrk(url, SECONDS));
}

async function main(): Promise<void> {
  if (spawnSync('wrk', ['--version'], { stdio: 'ignore' }).error) {
    console.error('wrk is missing: apt-get install wrk');
    process.exit(2);
  }
  const python = findPython();
  if (!python) {
    console.error('FastAPI/uvicorn are missing: apt-get install python3-fastapi python3-uvicorn');
    process.exit(2);
  }

  const oursPort = await freePort();
  start(python, ['-m', 'racetrack_job_wrapper', '--entrypoint-path', 'adder.py', '--port', String(oursPort)], ADDER_DIR, {
    PYTHONPATH: WRAPPER_DIR, JOB_NAME: 'adder', JOB_VERSION: '0.0.2',
  });
  const fastapiPort = await freePort();
  start(python, ['-m', 'uvicorn', 'fastapi_adder:app', '--host', '127.0.0.1', '--port', String(fastapiPort)], BENCH_DIR, {
    JOB_DIR: ADDER_DIR,
  });

  // one at a time, so they do not share the 2 cores
  const fastapi = await bench('fastapi+uvicorn', fastapiPort);
  const ours = await bench('racetrack_job_wrapper', oursPort);
  stopAll();

  console.log(`python: ${python}, wrk -t1 -c10 -d${SECONDS}s POST /api/v1/perform`);
  for (const r of [ours, fastapi]) {
    console.log(`${r.name.padEnd(22)} ${r.rps.toFixed(0).padStart(8)} req/s   p99 ${r.p99ms.toFixed(2).padStart(7)} ms`);
  }
  const ratio = ours.rps / fastapi.rps;
  const met = ratio >= GOAL_RATIO && ours.p99ms <= fastapi.p99ms;
  console.log(`ratio ours/fastapi: ${ratio.toFixed(2)}x req/s, p99 ${(ours.p99ms / fastapi.p99ms).toFixed(2)}x`);
  console.log(met ? `goal met (>= ${GOAL_RATIO}x req/s, p99 no worse)` : `goal NOT met (>= ${GOAL_RATIO}x req/s, p99 no worse)`);
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  stopAll();
  process.exit(1);
});
