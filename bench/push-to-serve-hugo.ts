// Push-to-serve of Racetrack's hugo sample on local with a warm build cache: from `git push` starting to the first
// home page with the site's title through pub (built once in the job's sandbox, then served by the gateway).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { commitAll, makeJobRepo, pushSsh, writeFile, type TestServer } from '../test/harness.js';

const TITLE = '<title>Notes from the Pit Lane</title>';

async function firstPage(url: string, token: string, deadline = Date.now() + 120_000): Promise<void> {
  while (Date.now() < deadline) {
    try {
      const r = await fetch(url, { headers: { 'X-Racetrack-Auth': token } });
      if (r.status === 200 && (await r.text()).includes(TITLE)) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`no page from ${url}`);
}

/** milliseconds of each measured push; one push before them warms the job's build cache */
export async function pushToServeHugo(server: TestServer, runs: number): Promise<number[]> {
  const repo = await makeJobRepo('hugo-sample');
  const manifest = readFileSync(join(repo, 'job.yaml'), 'utf8');
  const times: number[] = [];
  for (let i = 0; i <= runs; i++) {
    const version = `2.0.${i}`;
    writeFile(repo, 'job.yaml', manifest.replace(/^version: .*$/m, `version: ${version}`));
    await commitAll(repo, `v${version}`);
    const t0 = performance.now();
    const push = pushSsh(server, repo, 'hugo-sample');
    await firstPage(`${server.httpUrl}/pub/job/hugo-sample/${version}/`, server.token);
    if (i > 0) times.push(performance.now() - t0);
    const r = await push;
    if (r.code !== 0) throw new Error(`push failed:\n${r.stderr}`);
  }
  return times;
}
