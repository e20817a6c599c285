// Push-to-serve on the kubernetes target in the STAND-IN cluster (test/k8s: fake API server, stand-in kubelet on
// Docker, docker-registry), not a real one, beside docker in the same run: a new version each time (the layer cache
// used; kubernetes also pushes the image and rolls out). Also counts the API requests each kubernetes deploy makes (the informers' long-lived watches are opened once per server, not counted).
// Baseline: the same push on docker. The first kubernetes run also starts the informers and pushes the base layers.
// Then the wake of an idle version, BENCH_WAKES times on each: the first call's answer (kubernetes scales the
// Deployment up from 0; docker starts a container again), and the API requests a kubernetes wake makes.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { commitAll, makeJobRepo, pushSsh, startTestServer, writeFile } from '../test/harness.js';
import { standInSkip, startStandInCluster } from '../test/k8s/stand-in-cluster.js';
import { firstAnswer, median } from './first-answer.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const WAKES = Number(process.env.BENCH_WAKES ?? 5);
const skip = await standInSkip();
if (skip) {
  console.error(`cannot run: ${skip}`);
  process.exit(2);
}
const cluster = await startStandInCluster();
const server = await startTestServer({ env: cluster.env });
const init = { method: 'POST', body: JSON.stringify({ numbers: [40, 2] }), headers: { 'content-type': 'application/json', 'X-Racetrack-Auth': server.token } };
const answer = (version: string) => firstAnswer(`${server.httpUrl}/pub/job/adder/${version}/api/v1/perform`, init);

try {
  const repo = await makeJobRepo('adder');
  const manifest = readFileSync(join(repo, 'job.yaml'), 'utf8');
  const kinds = ['docker', 'kubernetes'] as const;
  const times: Record<typeof kinds[number], number[]> = { docker: [], kubernetes: [] };
  const requests: string[][] = [];
  const wakeTimes: Record<typeof kinds[number], number[]> = { docker: [], kubernetes: [] };
  const wakeRequests: string[][] = [];
  let minor = 0;
  for (const kind of kinds) {
    minor++;
    for (let i = 0; i < RUNS; i++) {
      const version = `1.${minor}.${i}`;
      await server.ssh('jobs delete adder --all');
      writeFile(repo, 'job.yaml', manifest.replace(/^version: .*$/m, `version: ${version}`));
      await commitAll(repo, version);
      const seen = cluster.api.requests.length;
      const t0 = performance.now();
      const push = pushSsh(server, repo, 'adder', ['-f', '-o', `infra=${kind === 'docker' ? 'docker' : 'kubernetes'}`]);
      await answer(version);
      times[kind].push(performance.now() - t0);
      const r = await push;
      if (r.code !== 0) throw new Error(r.stderr);
      if (kind !== 'docker') requests.push(cluster.api.requests.slice(seen));
    }
    // the wakes of the last version: idle after 1 s without calls, then one call
    const version = `1.${minor}.${RUNS - 1}`;
    await server.ssh(`jobs idle adder ${version} 1s`);
    for (let i = 0; i < WAKES; i++) {
      while (!/"status":\s*"idle"/.test((await server.ssh(`jobs info adder ${version} --json`)).stdout)) await new Promise((r) => setTimeout(r, 100));
      const seen = cluster.api.requests.length;
      const t0 = performance.now();
      await answer(version);
      wakeTimes[kind].push(performance.now() - t0);
      if (kind !== 'docker') wakeRequests.push(cluster.api.requests.slice(seen).filter((x) => !x.includes('watch=true')));
    }
  }
  await server.ssh('jobs delete adder --all');
  const base = median(times.docker);
  console.log(`push-to-serve, ${RUNS} runs each, kubernetes on the stand-in cluster (baseline: the push on docker, median ${base.toFixed(0)} ms)`);
  for (const kind of kinds) {
    const m = median(times[kind]);
    console.log(`  ${kind.padEnd(10)} median ${m.toFixed(0).padStart(5)} ms  ${(m / base).toFixed(2)}x docker   runs ${times[kind].map((x) => x.toFixed(0)).join(', ')}`);
  }
  const perDeploy = requests.map((r) => r.filter((x) => !x.includes('watch=true')));
  const verbs = perDeploy.flat().reduce<Record<string, number>>((acc, r) => ((acc[r.split(' ')[0]!] = (acc[r.split(' ')[0]!] ?? 0) + 1), acc), {});
  console.log(`  API requests per kubernetes deploy: median ${median(perDeploy.map((r) => r.length))} (${Object.entries(verbs).map(([v, n]) => `${v} ${(n / perDeploy.length).toFixed(1)}`).join(', ')} on average; no polling: readiness comes from the watch)`);
  const wakeBase = median(wakeTimes.docker);
  console.log(`wake of an idle version, ${WAKES} wakes each (baseline: docker, median ${wakeBase.toFixed(0)} ms)`);
  for (const kind of kinds) {
    const m = median(wakeTimes[kind]);
    console.log(`  ${kind.padEnd(10)} median ${m.toFixed(0).padStart(5)} ms  ${(m / wakeBase).toFixed(2)}x docker   wakes ${wakeTimes[kind].map((x) => x.toFixed(0)).join(', ')}`);
  }
  console.log(`  API requests per kubernetes wake: median ${median(wakeRequests.map((r) => r.length))} (${[...new Set(wakeRequests.flat().map((r) => r.split('?')[0]))].join('; ')})`);
} finally {
  await server.cleanup();
  await cluster.close();
}
