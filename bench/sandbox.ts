// Benchmark: what the local sandbox costs a python3 job. The adder's wrapper started directly on a port, against
// the same wrapper in a job's sandbox serving on the socket the server hands down (what the local target runs):
// start → first answer, then POST /api/v1/perform with wrk (1 thread, 10 connections), one after the other.
// Run: node --import tsx bench/sandbox.ts   (BENCH_SECONDS=10 by default; needs wrk and what the sandbox needs)
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURES } from '../test/harness.js';
import { freePort, LocalSandbox } from '../src/deploy/index.js';
import { listenerFd, listenerPort, openListener } from '../src/core/open-listener.js';
import { resolvePython } from '../src/jobtypes/python3/resolve-python.js';
import { SWAGGER_UI_DIR, WRAPPER_DIR } from '../src/jobtypes/python3/python3-job-type.js';
import { firstAnswer } from './first-answer.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const POST_LUA = join(import.meta.dirname, 'wrapper', 'post.lua');
const body = JSON.stringify({ numbers: [40, 2] });

/** Run asynchronously: a server blocked in spawnSync stops reading its children's pipes, and they slow down. */
async function wrk(url: string, seconds: number): Promise<{ rps: number; p99: string }> {
  const child = spawn('wrk', ['-t1', '-c10', `-d${seconds}s`, '--latency', '-s', POST_LUA, url], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  await new Promise((r) => child.once('close', r));
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(out);
  const p99 = /^\s*99%\s+(\S+)\s*$/m.exec(out);
  if (!rps || !p99 || /Non-2xx/.test(out)) throw new Error(`wrk: ${out}`);
  return { rps: Number(rps[1]), p99: p99[1]! };
}

async function measure(name: string, start: () => Promise<{ child: ChildProcess; port: number }>, stop: (c: ChildProcess) => void) {
  const t0 = performance.now();
  const { child, port } = await start();
  const url = `http://127.0.0.1:${port}/api/v1/perform`;
  await firstAnswer(url, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
  const startMs = performance.now() - t0;
  await wrk(url, 2); // warm-up
  const r = await wrk(url, SECONDS);
  stop(child);
  await new Promise((res) => child.once('exit', res));
  console.log(`${name.padEnd(30)} start → first answer ${startMs.toFixed(0).padStart(5)} ms   ${r.rps.toFixed(0).padStart(6)} req/s   p99 ${r.p99}`);
  return r.rps;
}

const python = await resolvePython(process.env.RACETRACK_PYTHON ?? 'python3');
const data = mkdtempSync(join(tmpdir(), 'rt-bench-sandbox-'));
const job = join(data, 'builds', 'bench', 'adder');
mkdirSync(job, { recursive: true });
cpSync(join(FIXTURES, 'adder'), job, { recursive: true });
const args = ['-m', 'racetrack_job_wrapper', '--entrypoint-path', 'adder.py', '--swagger-ui-dir', SWAGGER_UI_DIR];
const env = { PYTHONPATH: `${WRAPPER_DIR}:${job}`, JOB_NAME: 'adder', JOB_VERSION: '0.0.2' };
try {
  const direct = await measure('direct (own port)', async () => {
    const port = await freePort();
    // piped like the local target's replicas
    const child = spawn(python.executable, [...args, '--port', String(port)], { cwd: job, env: { ...env, PATH: process.env.PATH }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.resume();
    child.stderr.resume();
    return { child, port };
  }, (c) => c.kill('SIGTERM'));

  const sandbox = await LocalSandbox.start({ enabled: true, uids: { first: 2000099990, last: 2000099999 } });
  const lease = sandbox.lease('bench', job);
  const inside = await measure('sandbox (inherited socket)', async () => {
    const listener = await openListener(0);
    const port = listenerPort(listener);
    const child = lease.spawn({ cmd: python.executable, args: [...args, '--listen-fd', '3'], cwd: job, env, readOnlyPaths: [...python.paths, WRAPPER_DIR, SWAGGER_UI_DIR], outboundPorts: [] },
      { listenFd: listenerFd(listener), detached: true, onOutput: (t) => process.stderr.write(t) });
    listener.close();
    child.stdout!.resume(); // the local target copies these to the job's log
    child.stderr!.resume();
    return { child, port };
  }, (c) => sandbox.terminate(c.pid!));
  lease.release();
  console.log(`ratio sandbox/direct: ${(inside / direct).toFixed(2)}x req/s`);
} finally {
  rmSync(data, { recursive: true, force: true });
}
