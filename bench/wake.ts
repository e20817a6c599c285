// Wake: the first call to an idle python3 version (stopped for want of calls) answered through pub, which the gateway
// holds while the version starts. Baseline in the same run: starting the same job's wrapper by hand and waiting for
// its first answer. Goal: wake p50 under 300 ms.
import { makeJobRepo, pushSsh, startTestServer, waitFor } from '../test/harness.js';
import { median, wrapperStartToAnswer } from './first-answer.js';

const WAKES = Number(process.env.BENCH_RUNS ?? 20);
const body = JSON.stringify({ numbers: [40, 2] });
const p99 = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(xs.length * 0.99) - 1)]!;

const server = await startTestServer();
try {
  const r = await pushSsh(server, await makeJobRepo('adder'), 'adder');
  if (r.code !== 0) throw new Error(`push failed:\n${r.stderr}`);
  const idle = await server.ssh('jobs idle adder 0.0.2 200ms');
  if (idle.code !== 0) throw new Error(idle.stderr);
  const status = async () => (JSON.parse((await server.ssh('jobs info adder 0.0.2 --json')).stdout) as { status: string }).status;
  const wakes: number[] = [];
  const baselines: number[] = [];
  for (let i = 0; i < WAKES; i++) {
    await waitFor('the version to idle', async () => ((await status()) === 'idle' ? true : undefined), 60_000);
    const t0 = performance.now();
    const res = await fetch(`${server.httpUrl}/pub/job/adder/0.0.2/api/v1/perform`, {
      method: 'POST', body, headers: { 'content-type': 'application/json', 'X-Racetrack-Auth': server.token },
    });
    const text = await res.text();
    wakes.push(performance.now() - t0);
    if (res.status !== 200 || text.trim() !== '42') throw new Error(`the wake call answered ${res.status}: ${text}`);
    baselines.push(await wrapperStartToAnswer());
  }
  const w = median(wakes);
  const b = median(baselines);
  console.log(`wake (local target, python3 adder), ${WAKES} wakes`);
  console.log(`  first call to an idle version → 42   p50 ${w.toFixed(0)} ms  p99 ${p99(wakes).toFixed(0)} ms  (min ${Math.min(...wakes).toFixed(0)}, max ${Math.max(...wakes).toFixed(0)})`);
  console.log(`  baseline: wrapper start → 42         p50 ${b.toFixed(0)} ms`);
  console.log(`  ratio wake/baseline                  ${(w / b).toFixed(2)}x   goal: wake p50 under 300 ms`);
} finally {
  await server.cleanup();
}
