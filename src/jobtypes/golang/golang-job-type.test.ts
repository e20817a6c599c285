// The golang plugin keeps the job-type contract with Racetrack's golang sample, its module from an offline proxy.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { builtInJobTypes } from '../../../test/job-types.js';
import { runJobTypeContract } from '../job-type-contract.js';

const proxy = join(mkdtempSync(join(tmpdir(), 'rt-goproxy-')), 'proxy');
const made = spawnSync('bash', [fileURLToPath(new URL('../../../scripts/offline-go-proxy.sh', import.meta.url)), proxy, 'golang-github-pkg-errors-dev'], { encoding: 'utf8' });
if (made.status !== 0) throw new Error(`offline-go-proxy.sh failed: ${made.stderr}`);

runJobTypeContract('golang', {
  jobType: (await builtInJobTypes()).get('golang'),
  sample: fileURLToPath(new URL('../../../test/fixtures/jobs/golang-sample', import.meta.url)),
  settings: { RACETRACK_GOPROXY: `file://${proxy}`, RACETRACK_GOSUMDB: 'off' },
});
