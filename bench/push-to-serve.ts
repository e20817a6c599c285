// Push-to-serve: from `git push` starting to the first correct answer through pub, over SSH.
// Baseline in the same run: starting the same job's wrapper by hand and waiting for its first answer,
// so the ratio shows what the platform adds (git, hooks, export, build, routing). Goal: under 1 s.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { commitAll, FIXTURES, makeJobRepo, pushSsh, startTestServer, writeFile } from '../test/harness.js';
import { freePort } from '../src/deploy/index.js';
import { WRAPPER_DIR, SWAGGER_UI_DIR } from '../src/jobtypes/python3/python3-job-type.js';
import { firstAnswer, median } from './first-answer.js';
import { pushToServeHugo } from './push-to-serve-hugo.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 7);

const body = JSON.stringify({ numbers: [40, 2] });

async function baselineOnce(): Promise<number> {
  const port = await freePort();
  const t0 = performance.now();
  const child = spawn('python3', ['-m', 'racetrack_job_wrapper', '--entrypoint-path', 'adder.py', '--port', String(port), '--swagger-ui-dir', SWAGGER_UI_DIR], {
    cwd: join(FIXTURES, 'adder'),
    env: { ...process.env, PYTHONPATH: WRAPPER_DIR, JOB_NAME: 'adder', JOB_VERSION: '0.0.2' },
    stdio: 'ignore',
  });
  await firstAnswer(`http://127.0.0.1:${port}/api/v1/perform`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
  const ms = performance.now() - t0;
  child.kill();
  return ms;
}

const server = await startTestServer();
try {
  const repo = await makeJobRepo('adder');
  const manifest = readFileSync(join(repo, 'job.yaml'), 'utf8');
  const pushes: number[] = [];
  const baselines: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const version = `1.0.${i}`;
    writeFile(repo, 'job.yaml', manifest.replace(/^version: .*$/m, `version: ${version}`));
    await commitAll(repo, `v${version}`);
    const t0 = performance.now();
    const push = pushSsh(server, repo, 'adder');
    await firstAnswer(`${server.httpUrl}/pub/job/adder/${version}/api/v1/perform`, {
      method: 'POST', body, headers: { 'content-type': 'application/json', 'X-Racetrack-Auth': server.token },
    });
    pushes.push(performance.now() - t0);
    const r = await push;
    if (r.code !== 0) throw new Error(`push failed:\n${r.stderr}`);
    baselines.push(await baselineOnce());
  }
  const p = median(pushes);
  const b = median(baselines);
  console.log(`push-to-serve (ssh, local target), ${RUNS} runs`);
  console.log(`  push → first 42 through pub   median ${p.toFixed(0)} ms  (min ${Math.min(...pushes).toFixed(0)}, max ${Math.max(...pushes).toFixed(0)})`);
  console.log(`  baseline: wrapper start → 42  median ${b.toFixed(0)} ms`);
  console.log(`  ratio push/baseline           ${(p / b).toFixed(2)}x   goal: push under 1000 ms`);
  const hugo = await pushToServeHugo(server, RUNS);
  const h = median(hugo);
  console.log(`  hugo sample, warm cache: push → first page  median ${h.toFixed(0)} ms  (min ${Math.min(...hugo).toFixed(0)}, max ${Math.max(...hugo).toFixed(0)}); python3 above ${p.toFixed(0)} ms; ratio hugo/python3 ${(h / p).toFixed(2)}x   goal: hugo under 2000 ms`);
} finally {
  await server.cleanup();
}
