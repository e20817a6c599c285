// What push-to-serve benchmarks measure to: the first correct answer (42) of a URL, the baseline of starting the
// python3 wrapper by hand, and medians.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { freePort } from '../src/deploy/index.js';
import { SWAGGER_UI_DIR, WRAPPER_DIR } from '../src/jobtypes/python3/python3-job-type.js';
import { FIXTURES } from '../test/harness.js';

const ADDER_CALL = { method: 'POST', body: JSON.stringify({ numbers: [40, 2] }), headers: { 'content-type': 'application/json' } };

export async function firstAnswer(url: string, init: RequestInit, deadline = Date.now() + 300_000): Promise<void> {
  while (Date.now() < deadline) {
    try {
      const r = await fetch(url, init);
      if (r.status === 200 && (await r.text()).trim() === '42') return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`no answer from ${url}`);
}

export const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** ms from starting the python3 wrapper on the adder fixture by hand (no platform) to its first 42 */
export async function wrapperStartToAnswer(): Promise<number> {
  const port = await freePort();
  const t0 = performance.now();
  const child = spawn('python3', ['-m', 'racetrack_job_wrapper', '--entrypoint-path', 'adder.py', '--port', String(port), '--swagger-ui-dir', SWAGGER_UI_DIR], {
    cwd: join(FIXTURES, 'adder'),
    env: { ...process.env, PYTHONPATH: WRAPPER_DIR, JOB_NAME: 'adder', JOB_VERSION: '0.0.2' },
    stdio: 'ignore',
  });
  await firstAnswer(`http://127.0.0.1:${port}/api/v1/perform`, ADDER_CALL);
  const ms = performance.now() - t0;
  child.kill();
  return ms;
}
