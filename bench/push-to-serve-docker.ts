// Push-to-serve on the docker target: cold (no cached layers of the job: the first image build on the base),
// warm (a new version, the layer cache used) and cached (`jobs redeploy` of the same content: the image is
// reused; timed until the command returns, which includes stopping the replaced containers).
// Baseline in the same run: the same push on the local target.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Docker from 'dockerode';
import { dockerAvailable } from '../src/deploy/docker/index.js';
import { commitAll, makeJobRepo, pushSsh, startTestServer, writeFile } from '../test/harness.js';
import { firstAnswer, median } from './first-answer.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
if (!(await dockerAvailable())) {
  console.error('no Docker engine: run scripts/start-docker.sh and scripts/build-base-images.sh first');
  process.exit(2);
}
const docker = new Docker();
const server = await startTestServer();
const init = { method: 'POST', body: JSON.stringify({ numbers: [40, 2] }), headers: { 'content-type': 'application/json', 'X-Racetrack-Auth': server.token } };
const answer = (version: string) => firstAnswer(`${server.httpUrl}/pub/job/adder/${version}/api/v1/perform`, init);

async function dropJobImages(): Promise<void> {
  for (const img of await docker.listImages({ filters: { label: ['racetrack.job=adder'] } })) {
    await docker.getImage(img.Id).remove({ force: true }).catch(() => {});
  }
}

try {
  const repo = await makeJobRepo('adder');
  const manifest = readFileSync(join(repo, 'job.yaml'), 'utf8');
  const times: Record<'local' | 'cold' | 'warm' | 'cached', number[]> = { local: [], cold: [], warm: [], cached: [] };
  let minor = 0;
  for (const kind of ['local', 'cold', 'warm'] as const) {
    minor++;
    for (let i = 0; i < RUNS; i++) {
      const version = `1.${minor}.${i}`;
      await server.ssh('jobs delete adder --all');
      if (kind === 'cold') await dropJobImages();
      writeFile(repo, 'job.yaml', manifest.replace(/^version: .*$/m, `version: ${version}`));
      await commitAll(repo, version);
      const t0 = performance.now();
      const push = pushSsh(server, repo, 'adder', ['-f', '-o', `infra=${kind === 'local' ? 'local' : 'docker'}`]);
      await answer(version);
      times[kind].push(performance.now() - t0);
      const r = await push;
      if (r.code !== 0) throw new Error(r.stderr);
    }
  }
  const last = `1.${minor}.${RUNS - 1}`;
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    const r = await server.ssh(`jobs redeploy adder ${last}`);
    if (r.code !== 0) throw new Error(r.stderr + r.stdout);
    await answer(last);
    times.cached.push(performance.now() - t0);
  }
  await server.ssh('jobs delete adder --all');
  const base = median(times.local);
  console.log(`push-to-serve on docker, ${RUNS} runs each (baseline: the same push on the local target, median ${base.toFixed(0)} ms)`);
  for (const kind of ['cold', 'warm', 'cached'] as const) {
    const m = median(times[kind]);
    console.log(`  ${kind.padEnd(7)} median ${m.toFixed(0).padStart(5)} ms  ${(m / base).toFixed(2)}x local   runs ${times[kind].map((x) => x.toFixed(0)).join(', ')}`);
  }
} finally {
  await server.cleanup();
}
