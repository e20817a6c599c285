// Push-to-serve: from `git push` starting to the first correct answer through pub, over SSH.
// Baseline in the same run: starting the same job's wrapper by hand and waiting for its first answer,
// so the ratio shows what the platform adds (git, hooks, export, build, routing). Goal: under 1 s.
// golang: Racetrack's golang sample with its build cache warm (one push first), against python3's push in this run.
// Goal: under 3 s.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { commitAll, makeJobRepo, pushSsh, ROOT, startTestServer, tempDir, writeFile, type TestServer } from '../test/harness.js';
import { firstAnswer, median, wrapperStartToAnswer } from './first-answer.js';
import { pushToServeHugo } from './push-to-serve-hugo.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 7);

const body = JSON.stringify({ numbers: [40, 2] });

/** push → first correct answer through pub, for each of `runs` new versions of the job in repo (a fixture's copy) */
async function pushToServe(server: TestServer, repo: string, fixture: string, runs: number, first = 0): Promise<number[]> {
  const manifest = readFileSync(join(repo, 'job.yaml'), 'utf8');
  const times: number[] = [];
  for (let i = first; i < first + runs; i++) {
    const version = `2.0.${i}`;
    writeFile(repo, 'job.yaml', manifest.replace(/^version: .*$/m, `version: ${version}`));
    await commitAll(repo, `v${version}`);
    const t0 = performance.now();
    const push = pushSsh(server, repo, fixture);
    await firstAnswer(`${server.httpUrl}/pub/job/${fixture}/${version}/api/v1/perform`, {
      method: 'POST', body, headers: { 'content-type': 'application/json', 'X-Racetrack-Auth': server.token },
    });
    times.push(performance.now() - t0);
    const r = await push;
    if (r.code !== 0) throw new Error(`push failed:\n${r.stderr}`);
  }
  return times;
}

// the golang sample's module comes from an offline proxy made of Debian's packages
const goproxy = join(tempDir('rt-bench-goproxy-'), 'proxy');
const made = spawnSync('bash', [join(ROOT, 'scripts/offline-go-proxy.sh'), goproxy, 'golang-github-pkg-errors-dev'], { encoding: 'utf8' });
if (made.status !== 0) throw new Error(`offline-go-proxy.sh failed: ${made.stderr}`);
const server = await startTestServer({ env: { RACETRACK_GOPROXY: `file://${goproxy}`, RACETRACK_GOSUMDB: 'off' } });
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
    baselines.push(await wrapperStartToAnswer());
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

  // the first push fills the job's build cache (modules, compiled packages); the measured ones find it warm
  const goRepo = await makeJobRepo('golang-sample');
  const [cold] = await pushToServe(server, goRepo, 'golang-sample', 1);
  const golang = await pushToServe(server, goRepo, 'golang-sample', RUNS, 1);
  const g = median(golang);
  console.log(`push-to-serve golang (ssh, local target, warm build cache), ${RUNS} runs (cold first push ${cold!.toFixed(0)} ms)`);
  console.log(`  push → first 42 through pub   median ${g.toFixed(0)} ms  (min ${Math.min(...golang).toFixed(0)}, max ${Math.max(...golang).toFixed(0)})`);
  console.log(`  ratio golang/python3 push     ${(g / p).toFixed(2)}x   goal: golang push under 3000 ms`);
} finally {
  await server.cleanup();
}
